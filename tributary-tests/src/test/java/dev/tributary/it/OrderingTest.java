package dev.tributary.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.config.NamespaceOptions;
import dev.tributary.config.TributaryOptions;
import dev.tributary.testing.RedisServerExtension;
import dev.tributary.testing.TestServer;
import dev.tributary.testing.WsTestClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The delivery contract's order and index guarantees over real sockets (docs/ARCHITECTURE.md,
 * "Ordering"): one order per channel for every subscriber on every node, a publisher that waits
 * for each acknowledgement sees its publications in that order, and a node's broker subscription
 * follows its local subscribers under subscribe/unsubscribe churn.
 */
class OrderingTest {
  @RegisterExtension
  static final RedisServerExtension redis = new RedisServerExtension();
  static Vertx client;

  @BeforeAll
  static void start() {
    client = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(4));
  }

  @AfterAll
  static void stop() {
    client.close().await();
  }

  static Consumer<TributaryOptions> common() {
    return o -> {
      o.getGateway().getRateLimit().setCommandsPerSecond(0);
      o.getChannels().putNamespace("h", new NamespaceOptions().setHistorySize(1000).setHistoryTtlSeconds(300));
    };
  }

  static TestServer node(String redisUrl) {
    return TestServer.start(common().andThen(o -> o.getRedis().setUrls(List.of(redisUrl))));
  }

  static Future<HttpResponse<Buffer>> post(WebClient web, int port, String channel, Object data) {
    return web.post(port, "127.0.0.1", "/api/publish").putHeader("X-API-Key", TestServer.API_KEY)
        .sendBuffer(Buffer.buffer(new JsonObject().put("channel", channel).put("data", data).encode()));
  }

  /** A new HTTP connection per request: the publications are accepted on different event loops. */
  static void publishAwaited(int port, String channel, Object data) {
    WebClient web = WebClient.create(client, new WebClientOptions().setKeepAlive(false));
    try {
      assertThat(post(web, port, channel, data).await().statusCode()).isEqualTo(200);
    } finally {
      web.close();
    }
  }

  static int dataOf(JsonObject line) {
    return line.getJsonObject("push").getJsonObject("pub").getInteger("data");
  }

  @Test
  void crossNodePublicationsArriveInPublishOrder() {
    try (TestServer a = node(redis.url()); TestServer b = node(redis.url())) {
      List<WsTestClient> subs = new ArrayList<>();
      try {
        // Several subscribers so both gateway instances (event loops) of a have some.
        for (int i = 0; i < 4; i++) {
          WsTestClient s = WsTestClient.open(client, a.port);
          s.connect();
          s.subscribe("order");
          s.subscribe("h:order");
          subs.add(s);
        }
        int n = 200;
        for (int i = 0; i < n; i++) {
          publishAwaited(b.port, "order", i);
          publishAwaited(b.port, "h:order", i);
        }
        for (WsTestClient s : subs) {
          Map<String, List<Integer>> got = new HashMap<>();
          for (int k = 0; k < 2 * n; k++) {
            JsonObject line = s.next();
            got.computeIfAbsent(line.getJsonObject("push").getString("channel"), c -> new ArrayList<>()).add(dataOf(line));
          }
          List<Integer> expected = new ArrayList<>();
          for (int i = 0; i < n; i++) {
            expected.add(i);
          }
          assertThat(got.get("order")).as("order of channel 'order'").isEqualTo(expected);
          assertThat(got.get("h:order")).as("order of channel 'h:order' (history)").isEqualTo(expected);
        }
      } finally {
        subs.forEach(WsTestClient::close);
      }
    }
  }

  @Test
  void subscribersOnDifferentEventLoopsReceiveOneOrder() {
    try (TestServer node = TestServer.start(common())) {
      List<WsTestClient> subs = new ArrayList<>();
      List<WebClient> publishers = new ArrayList<>();
      try {
        // The server runs one gateway instance per event loop (2) and hands connections round
        // robin: four subscribers land on both.
        for (int i = 0; i < 4; i++) {
          WsTestClient s = WsTestClient.open(client, node.port);
          s.connect();
          s.subscribe("news");
          subs.add(s);
        }
        // Eight HTTP connections (accepted on both event loops), all sending at once.
        for (int i = 0; i < 8; i++) {
          publishers.add(WebClient.create(client, new WebClientOptions().setPipelining(true), new PoolOptions().setHttp1MaxSize(1)));
        }
        int n = 500;
        List<Future<HttpResponse<Buffer>>> sent = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          sent.add(post(publishers.get(i % publishers.size()), node.port, "news", i));
        }
        Future.all(sent).await(30, TimeUnit.SECONDS);
        List<Integer> first = null;
        for (WsTestClient s : subs) {
          List<Integer> got = new ArrayList<>();
          for (int k = 0; k < n; k++) {
            got.add(dataOf(s.next()));
          }
          assertThat(new HashSet<>(got)).hasSize(n);
          if (first == null) {
            first = got;
          } else {
            assertThat(got).as("every subscriber's order").isEqualTo(first);
          }
        }
      } catch (Exception e) {
        throw new AssertionError(e);
      } finally {
        subs.forEach(WsTestClient::close);
        publishers.forEach(WebClient::close);
      }
    }
  }

  @Test
  void everyChannelStillDeliversAcrossNodesAfterSubscribeChurn() {
    try (TestServer a = node(redis.url()); TestServer b = node(redis.url())) {
      TestServer[] nodes = {a, b};
      int channels = 16;
      int rounds = 12;
      List<WsTestClient> clients = new ArrayList<>();
      Map<WsTestClient, Set<String>> finalChannels = new HashMap<>();
      try {
        for (TestServer n : nodes) {
          for (int i = 0; i < 6; i++) {
            WsTestClient c = WsTestClient.open(client, n.port);
            c.connect();
            clients.add(c);
          }
        }
        // Every client subscribes and unsubscribes every channel, pipelined (no waiting), so last
        // unsubscribes on one event loop meet first subscribes on the other; it ends subscribed to
        // half of them.
        Map<WsTestClient, Long> last = new HashMap<>();
        for (int ci = 0; ci < clients.size(); ci++) {
          WsTestClient c = clients.get(ci);
          Set<String> mine = new HashSet<>();
          long id = 0;
          for (int r = 0; r < rounds; r++) {
            for (int ch = 0; ch < channels; ch++) {
              String name = "churn" + ch;
              id = c.command("subscribe", new JsonObject().put("channel", name));
              boolean stays = r == rounds - 1 && (ci + ch) % 2 == 0;
              if (stays) {
                mine.add(name);
              } else {
                id = c.command("unsubscribe", new JsonObject().put("channel", name));
              }
            }
          }
          last.put(c, id);
          finalChannels.put(c, mine);
        }
        for (WsTestClient c : clients) {
          assertThat(c.reply(last.get(c)).containsKey("error")).isFalse();
        }
        // Each channel gets one publication from each node; every subscriber must see both.
        for (int ch = 0; ch < channels; ch++) {
          for (int ni = 0; ni < nodes.length; ni++) {
            publishAwaited(nodes[ni].port, "churn" + ch, ch * 10 + ni);
          }
        }
        for (WsTestClient c : clients) {
          Set<Integer> expected = new HashSet<>();
          for (String name : finalChannels.get(c)) {
            int ch = Integer.parseInt(name.substring("churn".length()));
            expected.add(ch * 10);
            expected.add(ch * 10 + 1);
          }
          Set<Integer> got = new HashSet<>();
          while (got.size() < expected.size()) {
            JsonObject line = c.next();
            if (line.containsKey("push")) {
              got.add(dataOf(line));
            }
          }
          assertThat(got).isEqualTo(expected);
        }
      } finally {
        clients.forEach(WsTestClient::close);
      }
    }
  }
}
