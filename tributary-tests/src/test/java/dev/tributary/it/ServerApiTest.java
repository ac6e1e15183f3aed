package dev.tributary.it;

import static dev.tributary.it.CentJsServerApiTest.api;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.config.NamespaceOptions;
import dev.tributary.testing.LogCapture;
import dev.tributary.testing.TestServer;
import dev.tributary.testing.WsTestClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/**
 * The server API on one node: strict fields (unknown or wrong-typed: 400 with 107 naming the
 * field; Centrifugo fields Tributary lacks accepted only with their zero value), unknown methods
 * (404, 104), b64data, tags and history, skip_history, history_remove, batch, idempotency without
 * Redis, the key never logged, and {@code api.port}: the API on a port of its own, the main port
 * WebSockets only.
 */
class ServerApiTest {
  static TestServer server(java.util.function.Consumer<dev.tributary.config.TributaryOptions> more) {
    return TestServer.start(o -> {
      o.getChannels().putNamespace("hist", new NamespaceOptions().setHistorySize(10).setHistoryTtlSeconds(60));
      more.accept(o);
    });
  }

  static void refused(JsonObject r, int status, int code, String mentions) {
    assertThat(r.getInteger("status")).as(r.encode()).isEqualTo(status);
    assertThat(r.getJsonObject("error").getInteger("code")).as(r.encode()).isEqualTo(code);
    assertThat(r.getJsonObject("error").getString("message")).as(r.encode()).contains(mentions);
  }

  @Test
  void unknownAndWrongTypedFieldsAreRefusedNamingThem() {
    try (TestServer s = server(o -> { })) {
      refused(api(s.port, "publish", new JsonObject().put("channel", "a").put("data", 1).put("skip_histroy", true)),
          400, 107, "\"skip_histroy\"");
      refused(api(s.port, "publish", new JsonObject().put("channel", "a").put("data", 1).put("skip_history", "yes")),
          400, 107, "\"skip_history\"");
      refused(api(s.port, "publish", new JsonObject().put("channel", "a").put("data", 1)
          .put("tags", new JsonObject().put("k", 1))), 400, 107, "\"tags\"");
      refused(api(s.port, "disconnect", new JsonObject().put("user", "u").put("disconnect",
          new JsonObject().put("code", 1000))), 400, 107, "\"code\"");
      refused(api(s.port, "disconnect", new JsonObject().put("user", "u").put("disconnect",
          new JsonObject().put("code", 4000).put("why", "x"))), 400, 107, "\"why\"");
      refused(api(s.port, "subscribe", new JsonObject().put("channel", "a")), 400, 107, "\"user\"");
      refused(api(s.port, "channels", new JsonObject().put("pattern", "[a")), 400, 107, "pattern");
      refused(api(s.port, "info", new JsonObject().put("verbose", true)), 400, 107, "\"verbose\"");
      // A Centrifugo field Tributary does not implement: its zero value is accepted, others refused.
      assertThat(api(s.port, "publish", new JsonObject().put("channel", "a").put("data", 1).put("delta", false))
          .getInteger("status")).isEqualTo(200);
      refused(api(s.port, "publish", new JsonObject().put("channel", "a").put("data", 1).put("delta", true)),
          400, 107, "\"delta\" of publish is not supported");
      refused(api(s.port, "nope", new JsonObject()), 404, 104, "nope");
    }
  }

  @Test
  void publishOptionsAndHistoryRemove() {
    try (TestServer s = server(o -> { })) {
      String b64 = Base64.getEncoder().encodeToString("{\"x\":1}".getBytes());
      JsonObject r = api(s.port, "publish", new JsonObject().put("channel", "hist:a").put("b64data", b64));
      assertThat(r.getJsonObject("result").getLong("offset")).isEqualTo(1);
      refused(api(s.port, "publish", new JsonObject().put("channel", "hist:a").put("b64data", "AAEC")), 400, 107, "b64data");
      refused(api(s.port, "publish", new JsonObject().put("channel", "hist:a").put("data", 2)
          .put("tags", new JsonObject().put("k", "v"))), 400, 107, "skip_history");
      assertThat(api(s.port, "publish", new JsonObject().put("channel", "hist:a").put("data", 2).put("skip_history", true)
          .put("tags", new JsonObject().put("k", "v"))).getJsonObject("result").containsKey("offset")).isFalse();
      JsonObject h = api(s.port, "history", new JsonObject().put("channel", "hist:a").put("limit", 10)).getJsonObject("result");
      assertThat(h.getJsonArray("publications")).hasSize(1);
      assertThat(h.getJsonArray("publications").getJsonObject(0).getJsonObject("data")).isEqualTo(new JsonObject().put("x", 1));
      assertThat(api(s.port, "history_remove", new JsonObject().put("channel", "hist:a")).getInteger("status")).isEqualTo(200);
      JsonObject after = api(s.port, "history", new JsonObject().put("channel", "hist:a").put("limit", 10)).getJsonObject("result");
      assertThat(after.getJsonArray("publications")).isEmpty();
      assertThat(after.getLong("offset")).isEqualTo(1);
      assertThat(after.getString("epoch")).isEqualTo(h.getString("epoch"));
      // Without Redis the idempotency keys live in the node: the retry gets the first result.
      JsonObject pub = new JsonObject().put("channel", "hist:a").put("data", 3).put("idempotency_key", "k");
      JsonObject first = api(s.port, "publish", pub).getJsonObject("result");
      assertThat(api(s.port, "publish", pub).getJsonObject("result")).isEqualTo(first);
      assertThat(first.getLong("offset")).isEqualTo(2);
    }
  }

  @Test
  void batchAnswersEachCommandInOrder() {
    try (TestServer s = server(o -> { })) {
      JsonObject r = api(s.port, "batch", new JsonObject().put("commands", new JsonArray()
          .add(new JsonObject().put("publish", new JsonObject().put("channel", "hist:b").put("data", 1)))
          .add(new JsonObject().put("publish", new JsonObject().put("channel", "hist:b").put("data", 2).put("bad", 1)))
          .add(new JsonObject().put("batch", new JsonObject()))
          .add(new JsonObject().put("history", new JsonObject().put("channel", "hist:b").put("limit", 5)))));
      JsonArray replies = r.getJsonObject("result").getJsonArray("replies");
      assertThat(replies).hasSize(4);
      assertThat(replies.getJsonObject(0).getJsonObject("publish").getLong("offset")).isEqualTo(1);
      assertThat(replies.getJsonObject(1).getJsonObject("error").getInteger("code")).isEqualTo(107);
      assertThat(replies.getJsonObject(2).getJsonObject("error").getInteger("code")).isEqualTo(107);
      assertThat(replies.getJsonObject(3).getJsonObject("history").getJsonArray("publications")).hasSize(1);
    }
  }

  @Test
  void aWrongKeyIsRefusedAndNeverLogged() throws Exception {
    try (TestServer s = server(o -> { }); LogCapture log = LogCapture.open()) {
      String wrong = "wrong-key-" + System.nanoTime();
      HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + s.port + "/api/publish")).header("X-API-Key", wrong)
          .POST(HttpRequest.BodyPublishers.ofString("{\"channel\":\"a\",\"data\":1}")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(401);
      assertThat(r.body()).doesNotContain(wrong).doesNotContain(TestServer.API_KEY);
      assertThat(log.mentioning(wrong)).isEmpty();
      assertThat(log.mentioning(TestServer.API_KEY)).isEmpty();
    }
  }

  @Test
  void apiPortServesTheApiAndTheMainPortWebSocketsOnly() throws Exception {
    try (TestServer s = server(o -> o.getApi().setPort(0).setHost("127.0.0.1"))) {
      int apiPort = s.server.apiPort();
      assertThat(apiPort).isNotEqualTo(s.port);
      assertThat(api(apiPort, "publish", new JsonObject().put("channel", "a").put("data", 1)).getInteger("status"))
          .isEqualTo(200);
      refused(api(s.port, "publish", new JsonObject().put("channel", "a").put("data", 1)), 404, 104, "api.port");
      HttpResponse<String> health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + apiPort + "/health")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(health.statusCode()).isEqualTo(200);
      Vertx vertx = Vertx.vertx();
      try (WsTestClient ws = WsTestClient.open(vertx, s.port)) {
        assertThat(ws.connect().containsKey("connect")).isTrue();
      } finally {
        vertx.close();
      }
    }
  }
}
