package dev.tributary.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.testing.TestServer;
import dev.tributary.testing.WsTestClient;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The HTTP server API: publish, broadcast, auth, bad input, health. */
class HttpApiTest {
  static TestServer server;
  static Vertx vertx;
  static WebClient http;

  @BeforeAll
  static void start() {
    server = TestServer.start(o -> o.getHttp().setMaxBodyBytes(4096));
    vertx = Vertx.vertx();
    http = WebClient.create(vertx);
  }

  @AfterAll
  static void stop() {
    http.close();
    vertx.close().await();
    server.close();
  }

  static HttpResponse<Buffer> post(String path, String key, String body) {
    var req = http.post(server.port, "127.0.0.1", path);
    if (key != null) {
      req.putHeader("X-API-Key", key);
    }
    return req.sendBuffer(Buffer.buffer(body)).await();
  }

  @Test
  void publishReachesSubscribersAndRepliesResult() {
    try (WsTestClient c = WsTestClient.open(vertx, server.port)) {
      c.connect();
      c.subscribe("news");
      HttpResponse<Buffer> r = post("/api/publish", TestServer.API_KEY, "{\"channel\":\"news\",\"data\":{\"title\":\"t\"}}");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.bodyAsJsonObject().getJsonObject("result").getString("id")).as("publication id (hybrid: ULID)").hasSize(26);
      assertThat(c.next().getJsonObject("push").getJsonObject("pub").getJsonObject("data").getString("title")).isEqualTo("t");
    }
  }

  @Test
  void broadcastReachesEveryNamedChannel() {
    try (WsTestClient a = WsTestClient.open(vertx, server.port);
         WsTestClient b = WsTestClient.open(vertx, server.port)) {
      a.connect();
      b.connect();
      a.subscribe("b1");
      b.subscribe("b2");
      HttpResponse<Buffer> r = post("/api/broadcast", TestServer.API_KEY,
          new JsonObject().put("channels", new JsonArray().add("b1").add("b2")).put("data", 7).encode());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(a.next().getJsonObject("push").getString("channel")).isEqualTo("b1");
      assertThat(b.next().getJsonObject("push").getString("channel")).isEqualTo("b2");
    }
  }

  @Test
  void apiKeyIsRequired() {
    assertThat(post("/api/publish", null, "{\"channel\":\"x\",\"data\":1}").statusCode()).isEqualTo(401);
    HttpResponse<Buffer> wrong = post("/api/publish", "wrong", "{\"channel\":\"x\",\"data\":1}");
    assertThat(wrong.statusCode()).isEqualTo(401);
    assertThat(wrong.bodyAsJsonObject().getJsonObject("error").getInteger("code")).isEqualTo(101);
    int viaAuthorization = http.post(server.port, "127.0.0.1", "/api/publish")
        .putHeader("Authorization", "apikey " + TestServer.API_KEY)
        .sendBuffer(Buffer.buffer("{\"channel\":\"x\",\"data\":1}")).await().statusCode();
    assertThat(viaAuthorization).isEqualTo(200);
  }

  @Test
  void badInputGets400WithAJsonError() {
    for (String body : new String[] {"{not json", "[1]", "{\"data\":1}", "{\"channel\":\"x\"}",
        "{\"channel\":\"\",\"data\":1}", "{\"channel\":5,\"data\":1}"}) {
      HttpResponse<Buffer> r = post("/api/publish", TestServer.API_KEY, body);
      assertThat(r.statusCode()).as(body).isEqualTo(400);
      assertThat(r.bodyAsJsonObject().getJsonObject("error").getString("message")).as(body).isNotBlank();
    }
    assertThat(post("/api/broadcast", TestServer.API_KEY, "{\"channels\":[],\"data\":1}").statusCode()).isEqualTo(400);
    assertThat(post("/api/publish", TestServer.API_KEY, "{\"channel\":\"x\",\"data\":\"" + "z".repeat(5000) + "\"}")
        .statusCode()).isEqualTo(413);
    assertThat(post("/api/nope", TestServer.API_KEY, "{}").statusCode()).isEqualTo(404);
  }

  @Test
  void healthAnswersWithJsonStatus() {
    HttpResponse<Buffer> r = http.get(server.port, "127.0.0.1", "/health").send().await();
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.bodyAsJsonObject().getString("status")).isEqualTo("ok");
    assertThat(r.bodyAsJsonObject().getInteger("connections")).isNotNull();
  }

  @Test
  void unknownWebSocketPathIsRejected() {
    var client = vertx.createWebSocketClient();
    try {
      var result = client.connect(server.port, "127.0.0.1", "/elsewhere").await(5, java.util.concurrent.TimeUnit.SECONDS);
      throw new AssertionError("connected to an unknown path: " + result);
    } catch (Exception e) {
      assertThat(e.toString()).contains("404");
    } finally {
      client.close();
    }
  }
}
