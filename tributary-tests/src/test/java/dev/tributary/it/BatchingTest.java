package dev.tributary.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.testing.TestServer;
import dev.tributary.testing.WsTestClient;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.Test;

/** Per-connection outbound batching: several pushes leave as one frame, bounded by count and bytes. */
class BatchingTest {

  static void broadcastSameChannel(Vertx vertx, int port, String channel, int times, Object data) {
    WebClient http = WebClient.create(vertx);
    try {
      JsonArray chs = new JsonArray();
      for (int i = 0; i < times; i++) {
        chs.add(channel);
      }
      int status = http.post(port, "127.0.0.1", "/api/broadcast").putHeader("X-API-Key", TestServer.API_KEY)
          .sendBuffer(Buffer.buffer(new JsonObject().put("channels", chs).put("data", data).encode()))
          .await().statusCode();
      assertThat(status).isEqualTo(200);
    } finally {
      http.close();
    }
  }

  @Test
  void flushesWhenMaxMessagesIsReached() {
    Vertx vertx = Vertx.vertx();
    // A long delay: only the count bound can make these frames leave early.
    try (TestServer s = TestServer.start(o -> o.getGateway().getBatch().setMaxMessages(3).setMaxDelayMillis(10_000));
         WsTestClient c = WsTestClient.open(vertx, s.port)) {
      c.send("{\"id\":1,\"connect\":{}}\n{\"id\":2,\"subscribe\":{\"channel\":\"n\"}}\n{\"id\":3,\"subscribe\":{\"channel\":\"m\"}}");
      assertThat(c.nextFrame().split("\n")).hasSize(3);
      broadcastSameChannel(vertx, s.port, "n", 6, "x");
      assertThat(c.nextFrame().split("\n")).hasSize(3);
      assertThat(c.nextFrame().split("\n")).hasSize(3);
    } finally {
      vertx.close().await();
    }
  }

  @Test
  void flushesWhenMaxBytesIsReached() {
    Vertx vertx = Vertx.vertx();
    try (TestServer s = TestServer.start(o -> o.getGateway().getBatch().setMaxBytes(400).setMaxDelayMillis(10_000));
         WsTestClient c = WsTestClient.open(vertx, s.port)) {
      c.connect();
      c.subscribe("big");
      String pad = "y".repeat(150);
      broadcastSameChannel(vertx, s.port, "big", 5, pad);
      // Each push is ~190 bytes: two fit in 400 bytes, a third would not. The fifth waits.
      String f1 = c.nextFrame();
      String f2 = c.nextFrame();
      assertThat(f1.split("\n")).hasSize(2);
      assertThat(f2.split("\n")).hasSize(2);
      assertThat(f1.length()).isLessThanOrEqualTo(400);
    } finally {
      vertx.close().await();
    }
  }

  @Test
  void endOfBurstFlushPacksABroadcastIntoFewFrames() {
    Vertx vertx = Vertx.vertx();
    try (TestServer s = TestServer.start(o -> o.getServer().setEventLoops(1));
         WsTestClient c = WsTestClient.open(vertx, s.port)) {
      c.connect();
      c.subscribe("burst");
      broadcastSameChannel(vertx, s.port, "burst", 50, 1);
      // One event loop handles the request and the subscriber: all 50 are appended in one task
      // and leave together when it ends.
      assertThat(c.nextFrame().split("\n")).hasSize(50);
    } finally {
      vertx.close().await();
    }
  }
}
