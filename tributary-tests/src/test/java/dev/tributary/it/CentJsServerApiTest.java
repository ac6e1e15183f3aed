package dev.tributary.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.config.NamespaceOptions;
import dev.tributary.config.TributaryOptions;
import dev.tributary.testing.Poll;
import dev.tributary.testing.RedisServer;
import dev.tributary.testing.TestServer;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The server API as Centrifugo's own client library sees it: {@code cent.js} 6.1.0 from npm,
 * unchanged, calls every method of its client ({@code src/test/js/cent.mjs}: publish with tags and
 * skip_history, broadcast, subscribe and unsubscribe of a user's or one client's connections,
 * presence, presence_stats, history, history_remove, channels, info, refresh, disconnect with a
 * code, reason and whitelist, pipeline; and batch over fetch), while official centrifuge-js
 * clients show the effect of each. Once on one node; once on two nodes sharing a real Redis, the
 * clients on one node and cent.js talking to the other, so every command crosses nodes.
 */
class CentJsServerApiTest {
  static final String SECRET = "a-secret-for-cent-js";
  static final List<String> STEPS = List.of("ok connected alice x2 and bob", "ok publish received with tags",
      "ok broadcast received, one response per channel", "ok subscribe: both alice connections subscribed to srv",
      "ok subscribe one client (bob) to pres:room", "ok presence and presence_stats",
      "ok channels with counts, and with a pattern", "ok history [1,2,3] (skip_history left out)",
      "ok unsubscribe: srv unsubscribed and gone from channels",
      "ok refresh expired: bob closed with 3005 and reconnected",
      "ok disconnect with code 4501 \"kicked\" (whitelist kept alice2), default 3503",
      "ok errors surface as CentException; an unknown field is 400/107 naming it",
      "ok pipeline: two commands, two results in order", "ok batch: replies in order", "ALL PASSED");

  static Consumer<TributaryOptions> config(Consumer<TributaryOptions> more) {
    return o -> {
      o.getAuth().setTokenHmacSecret(SECRET);
      o.getChannels().putNamespace("hist", new NamespaceOptions().setHistorySize(100).setHistoryTtlSeconds(60));
      o.getChannels().putNamespace("pres", new NamespaceOptions().setPresence(true));
      more.accept(o);
    };
  }

  @Test
  void centJsRunsEveryMethodAgainstOneNode() throws Exception {
    CentrifugeJsConformanceTest.installClient();
    try (TestServer server = TestServer.start(config(o -> { }))) {
      String out = CentrifugeJsConformanceTest.run(CentrifugeJsConformanceTest.JS, 90, List.of("node", "cent.mjs",
          server.wsUrl(), "http://127.0.0.1:" + server.port, TestServer.API_KEY, SECRET, "1"));
      assertThat(out).contains(STEPS);
    }
  }

  @Test
  void centJsOnOneNodeControlsClientsOfAnother() throws Exception {
    CentrifugeJsConformanceTest.installClient();
    try (RedisServer redis = RedisServer.start()) {
      Consumer<TributaryOptions> conf = config(o -> {
        o.getRedis().setUrls(List.of(redis.url()));
        o.getApi().setNodeInfoIntervalSeconds(1);
      });
      try (TestServer a = TestServer.start(conf); TestServer b = TestServer.start(conf)) {
        awaitNodes(a, 2);
        awaitNodes(b, 2);
        String out = CentrifugeJsConformanceTest.run(CentrifugeJsConformanceTest.JS, 90, List.of("node", "cent.mjs",
            a.wsUrl(), "http://127.0.0.1:" + b.port, TestServer.API_KEY, SECRET, "2"));
        assertThat(out).contains(STEPS);
      }
    }
  }

  /** Until {@code info} on {@code s} lists {@code n} nodes (they announce themselves over Redis). */
  static void awaitNodes(TestServer s, int n) {
    Poll.until("info on port " + s.port + " lists " + n + " nodes", 20,
        () -> api(s.port, "info", new JsonObject()).getJsonObject("result").getJsonArray("nodes").size(), size -> size == n);
  }

  private static final HttpClient HTTP = HttpClient.newHttpClient();

  /** One API call's whole response body. */
  static JsonObject api(int port, String method, JsonObject params) {
    try {
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/" + method))
          .header("X-API-Key", TestServer.API_KEY).POST(HttpRequest.BodyPublishers.ofString(params.encode())).build(),
          HttpResponse.BodyHandlers.ofString());
      return new JsonObject(r.body()).put("status", r.statusCode());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
