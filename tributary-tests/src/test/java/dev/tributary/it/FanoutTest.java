package dev.tributary.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.config.NamespaceOptions;
import dev.tributary.testing.TestServer;
import dev.tributary.testing.WsTestClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * N clients on several channels, spread over both event loops; M publications per channel from
 * publishers on both loops: every subscriber gets every publication of its channels exactly once
 * and in publish order per channel.
 */
class FanoutTest {
  static final int CLIENTS = 40;
  static final int CHANNELS = 4;
  static final int PER_CHANNEL = 200;

  @Test
  void everyMessageExactlyOnceAndInOrderPerChannel() {
    Vertx vertx = Vertx.vertx();
    try (TestServer server = TestServer.start(o -> {
      o.getGateway().getRateLimit().setCommandsPerSecond(0);
      o.getChannels().putNamespace("fan", new NamespaceOptions().setAllowClientPublish(true));
    })) {
      List<WsTestClient> clients = new ArrayList<>();
      Map<WsTestClient, List<String>> subs = new HashMap<>();
      for (int i = 0; i < CLIENTS; i++) {
        WsTestClient c = WsTestClient.open(vertx, server.port);
        c.connect();
        List<String> mine = new ArrayList<>();
        for (int ch = 0; ch < CHANNELS; ch++) {
          if ((i + ch) % 2 == 0 || ch == 0) {
            c.subscribe("fan:" + ch);
            mine.add("fan:" + ch);
          }
        }
        clients.add(c);
        subs.put(c, mine);
      }
      // One publisher per channel, on different connections (so different event loops).
      List<WsTestClient> publishers = new ArrayList<>();
      for (int ch = 0; ch < CHANNELS; ch++) {
        WsTestClient p = WsTestClient.open(vertx, server.port);
        p.connect();
        publishers.add(p);
      }
      for (int seq = 0; seq < PER_CHANNEL; seq++) {
        for (int ch = 0; ch < CHANNELS; ch++) {
          publishers.get(ch).command("publish", new JsonObject().put("channel", "fan:" + ch)
              .put("data", new JsonObject().put("seq", seq)));
        }
      }
      for (WsTestClient c : clients) {
        List<String> mine = subs.get(c);
        Map<String, Integer> next = new HashMap<>();
        mine.forEach(ch -> next.put(ch, 0));
        int expected = mine.size() * PER_CHANNEL;
        for (int k = 0; k < expected; k++) {
          JsonObject push = c.next().getJsonObject("push");
          String ch = push.getString("channel");
          assertThat(next).containsKey(ch);
          int seq = push.getJsonObject("pub").getJsonObject("data").getInteger("seq");
          assertThat(seq).as("order on %s", ch).isEqualTo(next.get(ch));
          next.put(ch, seq + 1);
        }
        assertThat(next.values()).allMatch(v -> v == PER_CHANNEL);
      }
      // Nothing extra: a final publication on channel 0 is the very next push everyone sees.
      publishers.get(0).command("publish", new JsonObject().put("channel", "fan:0").put("data", new JsonObject().put("seq", -1)));
      for (WsTestClient c : clients) {
        assertThat(c.next().getJsonObject("push").getJsonObject("pub").getJsonObject("data").getInteger("seq")).isEqualTo(-1);
      }
      assertThat(server.server.gateway().deliveryCount()).isGreaterThanOrEqualTo((long) CLIENTS);
      clients.forEach(WsTestClient::close);
      publishers.forEach(WsTestClient::close);
    } finally {
      vertx.close().await();
    }
  }
}
