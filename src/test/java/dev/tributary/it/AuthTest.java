package dev.tributary.it;

import static org.assertj.core.api.Assertions.assertThat;

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

/** HS256 connection tokens: the codes Centrifugo uses for missing, expired and invalid tokens. */
class AuthTest {
  static final String SECRET = "a-secret-for-tests-only";
  static TestServer server;
  static Vertx vertx;
  static JWTAuth signer;
  static JWTAuth wrongSigner;

  @BeforeAll
  static void start() {
    server = TestServer.start(o -> o.getAuth().setTokenHmacSecret(SECRET));
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
}
