package dev.tributary.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.config.NamespaceOptions;
import dev.tributary.testing.TestServer;
import dev.tributary.testing.WsTestClient;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** History and recovery on one node, over the wire. */
class HistoryRecoveryTest {
  static TestServer server;
  static Vertx client;

  @BeforeAll
  static void start() {
    server = TestServer.start(o -> {
      o.getChannels().putNamespace("hist", new NamespaceOptions().setHistorySize(5).setHistoryTtlSeconds(60));
      o.getChannels().putNamespace("chat", new NamespaceOptions().setAllowClientPublish(true));
    });
    client = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    client.close().await();
    server.close();
  }

  static JsonObject api(String path, JsonObject body) {
    WebClient web = WebClient.create(client);
    try {
      return web.post(server.port, "127.0.0.1", path).putHeader("X-API-Key", TestServer.API_KEY)
          .sendBuffer(Buffer.buffer(body.encode())).await().bodyAsJsonObject();
    } finally {
      web.close();
    }
  }

  static void publish(String ch, int i) {
    assertThat(api("/api/publish", new JsonObject().put("channel", ch).put("data", new JsonObject().put("i", i)))
        .getJsonObject("result").getLong("offset")).isPositive();
  }

  @Test
  void pushesCarryOffsetsAndAReconnectRecoversWhatWasMissedOnce() {
    String epoch;
    long lastSeen;
    try (WsTestClient a = WsTestClient.open(client, server.port)) {
      a.connect();
      JsonObject sub = a.subscribe("hist:a").getJsonObject("subscribe");
      assertThat(sub.getBoolean("recoverable")).isTrue();
      epoch = sub.getString("epoch");
      long start = sub.getLong("offset");
      publish("hist:a", 1);
      JsonObject pub = a.next().getJsonObject("push").getJsonObject("pub");
      assertThat(pub.getLong("offset")).isEqualTo(start + 1);
      lastSeen = pub.getLong("offset");
    }
    // Away: three publications.
    for (int i = 2; i <= 4; i++) {
      publish("hist:a", i);
    }
    try (WsTestClient b = WsTestClient.open(client, server.port)) {
      b.connect();
      JsonObject r = b.reply(b.command("subscribe", new JsonObject().put("channel", "hist:a")
          .put("recover", true).put("offset", lastSeen).put("epoch", epoch))).getJsonObject("subscribe");
      assertThat(r.getBoolean("recovered")).isTrue();
      assertThat(r.getBoolean("was_recovering")).isTrue();
      JsonArray pubs = r.getJsonArray("publications");
      assertThat(pubs).hasSize(3);
      for (int k = 0; k < 3; k++) {
        assertThat(pubs.getJsonObject(k).getLong("offset")).isEqualTo(lastSeen + 1 + k);
        assertThat(pubs.getJsonObject(k).getJsonObject("data").getInteger("i")).isEqualTo(2 + k);
      }
      // Live again, with the next offset, and nothing recovered comes twice.
      publish("hist:a", 5);
      JsonObject live = b.next().getJsonObject("push").getJsonObject("pub");
      assertThat(live.getLong("offset")).isEqualTo(lastSeen + 4);
      // History command (subscribed) and the server API agree.
      JsonObject h = b.reply(b.command("history", new JsonObject().put("channel", "hist:a").put("limit", 2).put("reverse", true)))
          .getJsonObject("history");
      assertThat(h.getJsonArray("publications").getJsonObject(0).getLong("offset")).isEqualTo(lastSeen + 4);
      JsonObject viaApi = api("/api/history", new JsonObject().put("channel", "hist:a").put("limit", 2).put("reverse", true))
          .getJsonObject("result");
      assertThat(viaApi.getJsonArray("publications")).isEqualTo(h.getJsonArray("publications"));
    }
  }

  @Test
  void positionFromAnotherEpochOrTooOldIsNotRecovered() {
    try (WsTestClient c = WsTestClient.open(client, server.port)) {
      c.connect();
      JsonObject wrongEpoch = c.reply(c.command("subscribe", new JsonObject().put("channel", "hist:b")
          .put("recover", true).put("offset", 1).put("epoch", "nope"))).getJsonObject("subscribe");
      assertThat(wrongEpoch.getBoolean("recovered")).isFalse();
      String epoch = wrongEpoch.getString("epoch");
      c.reply(c.command("unsubscribe", new JsonObject().put("channel", "hist:b")));
      for (int i = 0; i < 8; i++) {
        publish("hist:b", i);
      }
      JsonObject tooOld = c.reply(c.command("subscribe", new JsonObject().put("channel", "hist:b")
          .put("recover", true).put("offset", 1).put("epoch", epoch))).getJsonObject("subscribe");
      assertThat(tooOld.getBoolean("recovered")).as("history keeps 5 of 8").isFalse();
      assertThat(tooOld.getJsonArray("publications")).hasSize(5);
    }
  }

  @Test
  void historyIsNotAvailableWithoutItInTheNamespace() {
    try (WsTestClient c = WsTestClient.open(client, server.port)) {
      c.connect();
      c.subscribe("chat:x");
      assertThat(c.reply(c.command("history", new JsonObject().put("channel", "chat:x")))
          .getJsonObject("error").getInteger("code")).isEqualTo(108);
    }
  }

  @Test
  void aGapInAChannelsOffsetsEndsItsSubscriptionsWith2500() {
    try (WsTestClient c = WsTestClient.open(client, server.port)) {
      c.connect();
      c.subscribe("hist:gap");
      var hub = server.server.gateway().hub();
      // What a node sees when it missed publications (offset 3 never arrives here).
      for (long offset : new long[] {1, 2, 4}) {
        hub.deliverLocal("hist:gap", dev.tributary.protocol.ProtocolCodec.publicationPush("hist:gap",
            Long.toString(offset), null, offset), offset);
      }
      assertThat(c.next().getJsonObject("push").getJsonObject("pub").getLong("offset")).isEqualTo(1);
      assertThat(c.next().getJsonObject("push").getJsonObject("pub").getLong("offset")).isEqualTo(2);
      JsonObject unsub = c.next().getJsonObject("push");
      assertThat(unsub.getString("channel")).isEqualTo("hist:gap");
      assertThat(unsub.getJsonObject("unsubscribe").getInteger("code")).isEqualTo(2500);
      // The subscription is over: a later publication does not reach it; a new one works.
      publish("hist:gap", 9);
      JsonObject again = c.subscribe("hist:gap").getJsonObject("subscribe");
      assertThat(again.getLong("offset")).isEqualTo(1);
      publish("hist:gap", 10);
      assertThat(c.next().getJsonObject("push").getJsonObject("pub").getJsonObject("data").getInteger("i")).isEqualTo(10);
    }
  }
}
