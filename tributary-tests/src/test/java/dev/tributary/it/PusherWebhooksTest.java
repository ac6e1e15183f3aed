package dev.tributary.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.config.PusherAppOptions;
import dev.tributary.testing.Poll;
import dev.tributary.testing.TestServer;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Webhooks to a real HTTP receiver: channel_occupied, member_added, client_event, member_removed,
 * channel_vacated, each batch signed as Pusher signs it (X-Pusher-Key, X-Pusher-Signature =
 * HMAC-SHA256 of the body with the app secret, checked here by the test's own HMAC); a receiver
 * that answers 500 first gets the same batch again (retried), nothing is lost.
 */
class PusherWebhooksTest {
  @Test
  void eventsArriveSignedBatchedAndRetriedAfterAFailure() throws Exception {
    Vertx vertx = Vertx.vertx();
    List<JsonObject> events = new CopyOnWriteArrayList<>();
    List<String> badSignatures = new CopyOnWriteArrayList<>();
    AtomicInteger requests = new AtomicInteger();
    HttpServer receiver = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      String sig = PusherProtocolTest.hmac(body.toString());
      if (!sig.equals(req.getHeader("X-Pusher-Signature")) || !"hook-key".equals(req.getHeader("X-Pusher-Key"))) {
        badSignatures.add(body.toString());
      }
      if (requests.incrementAndGet() == 1) {
        req.response().setStatusCode(500).end(); // the first batch fails once: it must come again
        return;
      }
      new JsonObject(body).getJsonArray("events").forEach(e -> events.add((JsonObject) e));
      req.response().end("{}");
    })).listen(0, "127.0.0.1").await();
    String url = "http://127.0.0.1:" + receiver.actualPort() + "/hooks";
    try (TestServer server = TestServer.start(o -> o.getPusher().addApp(new PusherAppOptions(new JsonObject()
        .put("id", "5").put("key", "hook-key").put("secret", PusherProtocolTest.SECRET).put("clientEvents", true)
        .put("webhooks", new io.vertx.core.json.JsonArray().add(new JsonObject().put("url", url))))))) {
      try (PusherProtocolTest.Client a = PusherProtocolTest.connect(vertx, server.port, "hook-key");
           PusherProtocolTest.Client b = PusherProtocolTest.connect(vertx, server.port, "hook-key")) {
        String ch = "presence-hook";
        String d = new JsonObject().put("user_id", "w1").encode();
        a.subscribe(ch, "hook-key:" + PusherProtocolTest.hmac(a.socketId() + ":" + ch + ":" + d), d);
        String db = new JsonObject().put("user_id", "w2").encode();
        b.subscribe(ch, "hook-key:" + PusherProtocolTest.hmac(b.socketId() + ":" + ch + ":" + db), db);
        a.ws().send(new JsonObject().put("event", "client-ping").put("channel", ch).put("data", "hello").encode());
        assertThat(b.event().getString("event")).isEqualTo("client-ping");
        b.close();
        Poll.until("member_removed of w2", 20, () -> names(events).contains("member_removed"));
      }
      Poll.until("channel_vacated", 20, () -> names(events).contains("channel_vacated"));
      assertThat(names(events)).containsSubsequence("channel_occupied", "member_added", "client_event", "member_removed",
          "channel_vacated");
      JsonObject ce = events.stream().filter(e -> e.getString("name").equals("client_event")).findFirst().orElseThrow();
      assertThat(ce.getString("channel")).isEqualTo("presence-hook");
      assertThat(ce.getString("event")).isEqualTo("client-ping");
      assertThat(ce.getString("data")).isEqualTo("hello");
      assertThat(ce.getString("user_id")).isEqualTo("w1");
      assertThat(events.stream().filter(e -> e.getString("name").equals("channel_occupied")).count())
          .as("the failed batch came again once, not twice").isEqualTo(1);
      assertThat(badSignatures).isEmpty();
    } finally {
      receiver.close().await();
      vertx.close().await();
    }
  }

  static List<String> names(List<JsonObject> events) {
    List<String> out = new ArrayList<>();
    events.forEach(e -> out.add(e.getString("name")));
    return out;
  }
}
