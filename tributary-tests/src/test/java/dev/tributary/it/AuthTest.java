package dev.tributary.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.testing.Jwt;
import dev.tributary.testing.LogCapture;
import dev.tributary.testing.TestServer;
import dev.tributary.testing.WsTestClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * HS256 connection tokens over a real socket: the codes Centrifugo uses for missing, expired and
 * invalid tokens; malformed claims are answered (never a hang) and leave no trace in the log.
 */
class AuthTest {
  static final String SECRET = "a-secret-for-tests-only";
  static TestServer server;
  static Vertx vertx;
  static JWTAuth signer;
  static JWTAuth wrongSigner;

  @BeforeAll
  static void start() {
    // Frames up to 1 MiB so that a huge token reaches the verifier (else 1009 at the frame limit).
    server = TestServer.start(o -> {
      o.getAuth().setTokenHmacSecret(SECRET);
      o.getGateway().setMaxFrameBytes(1 << 20);
    });
    vertx = Vertx.vertx();
    signer = JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(
        new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(SECRET)));
    wrongSigner = JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(
        new PubSecKeyOptions().setAlgorithm("HS256").setBuffer("some-other-secret")));
  }

  @AfterAll
  static void stop() {
    vertx.close().await();
    server.close();
  }

  static long nowSeconds() {
    return System.currentTimeMillis() / 1000;
  }

  @Test
  void missingTokenIsUnauthorized101() {
    try (WsTestClient c = WsTestClient.open(vertx, server.port)) {
      assertThat(c.connect().getJsonObject("error").getInteger("code")).isEqualTo(101);
    }
  }

  @Test
  void expiredTokenIs109AndTheClientMayRetry() {
    try (WsTestClient c = WsTestClient.open(vertx, server.port)) {
      String expired = signer.generateToken(new JsonObject().put("sub", "u1").put("exp", nowSeconds() - 10),
          new JWTOptions().setNoTimestamp(true));
      assertThat(c.connect(new JsonObject().put("token", expired)).getJsonObject("error").getInteger("code")).isEqualTo(109);
      String fresh = signer.generateToken(new JsonObject().put("sub", "u1").put("exp", nowSeconds() + 600));
      assertThat(c.connect(new JsonObject().put("token", fresh)).containsKey("connect")).isTrue();
    }
  }

  @Test
  void badSignatureClosesWith3500() {
    try (WsTestClient c = WsTestClient.open(vertx, server.port)) {
      String forged = wrongSigner.generateToken(new JsonObject().put("sub", "mallory"));
      c.command("connect", new JsonObject().put("token", forged));
      assertThat(c.awaitClose()).isEqualTo(3500);
    }
  }

  @Test
  void garbageTokenClosesWith3500() {
    try (WsTestClient c = WsTestClient.open(vertx, server.port)) {
      c.command("connect", new JsonObject().put("token", "not.a.jwt"));
      assertThat(c.awaitClose()).isEqualTo(3500);
    }
  }

  @Test
  void channelsClaimSubscribesServerSide() {
    try (WsTestClient c = WsTestClient.open(vertx, server.port)) {
      String token = signer.generateToken(new JsonObject().put("sub", "u2").put("exp", nowSeconds() + 600)
          .put("channels", new JsonArray().add("personal#u2")));
      JsonObject r = c.connect(new JsonObject().put("token", token)).getJsonObject("connect");
      assertThat(r.getJsonObject("subs").fieldNames()).containsExactly("personal#u2");
      WebClient http = WebClient.create(vertx);
      try {
        int status = http.post(server.port, "127.0.0.1", "/api/publish")
            .putHeader("X-API-Key", TestServer.API_KEY)
            .sendJsonObject(new JsonObject().put("channel", "personal#u2").put("data", new JsonObject().put("n", 1)))
            .await().statusCode();
        assertThat(status).isEqualTo(200);
      } finally {
        http.close();
      }
      JsonObject push = c.next().getJsonObject("push");
      assertThat(push.getString("channel")).isEqualTo("personal#u2");
      assertThat(push.getJsonObject("pub").getJsonObject("data").getInteger("n")).isEqualTo(1);
    }
  }

  /**
   * Regression (issue 13 item 8): correctly signed tokens whose claims had the wrong type made the
   * JWT library throw inside authentication ("Unhandled exception") and the connect was never
   * answered; a huge {@code exp} overflowed. Each is now closed with 3500 before the stale-connect
   * timeout (3502), and the log holds no exception and nothing of the token.
   */
  @ParameterizedTest(name = "payload {0}")
  @ValueSource(strings = {
      "{\"sub\":\"u1\",\"exp\":\"4102444800\"}",
      "{\"sub\":\"u1\",\"exp\":{\"at\":4102444800}}",
      "{\"sub\":\"u1\",\"exp\":null}",
      "{\"sub\":\"u1\",\"exp\":1e300}",
      "{\"sub\":\"u1\",\"exp\":-9.3e15}",
      "{\"sub\":\"u1\",\"exp\":4102444800.5}",
      "{\"sub\":\"u1\",\"nbf\":\"0\"}",
      "{\"sub\":\"u1\",\"iat\":[]}",
      "{\"sub\":42}",
      "{\"sub\":null}",
      "{\"sub\":\"u1\",\"info\":\"vip\"}",
      "{\"sub\":\"u1\",\"channels\":\"personal#u1\"}",
      "{\"sub\":\"u1\",\"channels\":[1,2]}",
      "{\"sub\":\"u1\",\"sub\":\"admin\"}",
      "[\"u1\"]"})
  void malformedClaimsCloseWith3500AndLogNoException(String payload) {
    String token = Jwt.sign(SECRET, payload);
    try (LogCapture log = LogCapture.open(); WsTestClient c = WsTestClient.open(vertx, server.port)) {
      c.command("connect", new JsonObject().put("token", token));
      assertThat(c.awaitClose()).isEqualTo(3500);
      assertThat(log.exceptions()).as("exceptions logged").isEmpty();
      assertThat(log.mentioning(token.substring(token.indexOf('.') + 1, token.lastIndexOf('.'))))
          .as("log lines quoting the token").isEmpty();
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"alg none", "wrong alg", "bad base64", "extra dots", "huge"})
  void malformedTokensCloseWith3500AndLogNoException(String kind) {
    String good = Jwt.sign(SECRET, "{\"sub\":\"u1\"}");
    String token = switch (kind) {
      case "alg none" -> Jwt.b64("{\"alg\":\"none\"}") + "." + Jwt.b64("{\"sub\":\"admin\"}") + ".";
      case "wrong alg" -> Jwt.sign(SECRET, "{\"alg\":\"HS512\"}", "{\"sub\":\"u1\"}");
      case "bad base64" -> good.replaceFirst("\\.", "=.") ; // padding after the header
      case "extra dots" -> good + ".." ;
      default -> Jwt.sign(SECRET, "{\"sub\":\"u1\",\"info\":{\"pad\":\"" + "x".repeat(200_000) + "\"}}");
    };
    try (LogCapture log = LogCapture.open(); WsTestClient c = WsTestClient.open(vertx, server.port)) {
      c.command("connect", new JsonObject().put("token", token));
      assertThat(c.awaitClose()).isEqualTo(3500);
      assertThat(log.exceptions()).as("exceptions logged").isEmpty();
      assertThat(log.mentioning(token.substring(0, Math.min(20, token.length())))).as("log lines quoting the token").isEmpty();
    }
  }

  @Test
  void futureNbfIs109() {
    try (WsTestClient c = WsTestClient.open(vertx, server.port)) {
      String early = Jwt.sign(SECRET, new JsonObject().put("sub", "u1").put("nbf", nowSeconds() + 600));
      assertThat(c.connect(new JsonObject().put("token", early)).getJsonObject("error").getInteger("code")).isEqualTo(109);
    }
  }

  @Test
  void integralExpWithFractionZeroConnects() {
    try (WsTestClient c = WsTestClient.open(vertx, server.port)) {
      String token = Jwt.sign(SECRET, "{\"sub\":\"u1\",\"exp\":" + (nowSeconds() + 600) + ".0}");
      assertThat(c.connect(new JsonObject().put("token", token)).containsKey("connect")).isTrue();
    }
  }
}
