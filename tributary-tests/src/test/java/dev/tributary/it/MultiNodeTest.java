package dev.tributary.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.config.NamespaceOptions;
import dev.tributary.testing.RedisClusterExtension;
import dev.tributary.testing.RedisDeployment;
import dev.tributary.testing.RedisServer;
import dev.tributary.testing.RedisServerExtension;
import dev.tributary.testing.TestServer;
import dev.tributary.testing.WsTestClient;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Several nodes (separate Vert.x instances) sharing a real redis-server: publications from any
 * node reach subscribers on every node once each, in publish order per channel; Redis dying leaves
 * local fan-out working and Redis returning restores cross-node fan-out by itself.
 */
class MultiNodeTest {
  @RegisterExtension
  static final RedisServerExtension redis = new RedisServerExtension();
  @RegisterExtension
  static final RedisClusterExtension cluster = new RedisClusterExtension();
  static Vertx client;

  /** The guarantees below that do not stop Redis hold on one Redis and on a Redis Cluster alike. */
  static List<RedisDeployment> deployments() {
    return List.of(redis, cluster);
  }

  @BeforeAll
  static void start() throws Exception {
    client = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    client.close().await();
  }

  static TestServer node(RedisDeployment redisAt) {
    return TestServer.start(o -> {
      redisAt.configure(o.getRedis());
      o.getRedis().getLink().setBreakerResetTimeoutMillis(500).setReconnectMaxDelayMillis(500);
      o.getGateway().getRateLimit().setCommandsPerSecond(0);
      o.getChannels().putNamespace("x", new NamespaceOptions().setAllowClientPublish(true));
    });
  }

  static void eventually(String what, BooleanSupplier cond) {
    dev.tributary.testing.Poll.until(what, 20, cond);
  }

  static int publishHttp(int port, String channel, Object data) {
    WebClient web = WebClient.create(client);
    try {
      return web.post(port, "127.0.0.1", "/api/publish").putHeader("X-API-Key", TestServer.API_KEY)
          .sendBuffer(Buffer.buffer(new JsonObject().put("channel", channel).put("data", data).encode()))
          .await().statusCode();
    } finally {
      web.close();
    }
  }

  @ParameterizedTest
  @MethodSource("deployments")
  void publicationsReachEveryNodeOnceInOrder(RedisDeployment redisAt) {
    try (TestServer a = node(redisAt); TestServer b = node(redisAt); TestServer c = node(redisAt)) {
      TestServer[] nodes = {a, b, c};
      List<WsTestClient> subs = new ArrayList<>();
      for (TestServer n : nodes) {
        for (int i = 0; i < 2; i++) {
          WsTestClient s = WsTestClient.open(client, n.port);
          s.connect();
          s.subscribe("x:one");
          s.subscribe("x:two");
          subs.add(s);
        }
      }
      // Publishers on every node, each its own sequence, on two channels.
      List<WsTestClient> pubs = new ArrayList<>();
      for (TestServer n : nodes) {
        WsTestClient p = WsTestClient.open(client, n.port);
        p.connect();
        pubs.add(p);
      }
      int perPublisher = 100;
      for (int i = 0; i < perPublisher; i++) {
        for (int p = 0; p < pubs.size(); p++) {
          String ch = p % 2 == 0 ? "x:one" : "x:two";
          pubs.get(p).command("publish", new JsonObject().put("channel", ch)
              .put("data", new JsonObject().put("p", p).put("i", i)));
        }
      }
      int expected = perPublisher * pubs.size();
      List<String> orderOne = null;
      for (WsTestClient s : subs) {
        Map<Integer, Integer> next = new HashMap<>();
        List<String> seenOne = new ArrayList<>();
        for (int k = 0; k < expected; k++) {
          JsonObject push = s.next().getJsonObject("push");
          JsonObject d = push.getJsonObject("pub").getJsonObject("data");
          int p = d.getInteger("p");
          int i = d.getInteger("i");
          assertThat(i).as("publisher %d's order", p).isEqualTo(next.getOrDefault(p, 0));
          next.put(p, i + 1);
          if (push.getString("channel").equals("x:one")) {
            seenOne.add(p + ":" + i);
          }
        }
        assertThat(next.values()).allMatch(v -> v == perPublisher);
        // One order per channel on every node.
        if (orderOne == null) {
          orderOne = seenOne;
        } else {
          assertThat(seenOne).isEqualTo(orderOne);
        }
      }
      // Exactly once: a marker published last is the next thing everyone sees.
      assertThat(publishHttp(b.port, "x:one", "end")).isEqualTo(200);
      for (WsTestClient s : subs) {
        assertThat(s.next().getJsonObject("push").getJsonObject("pub").getString("data")).isEqualTo("end");
      }
      subs.forEach(WsTestClient::close);
      pubs.forEach(WsTestClient::close);
    }
  }

  @Test
  void channelsShardAcrossTwoRedisInstances() throws Exception {
    try (RedisServer second = RedisServer.start()) {
      List<String> urls = List.of(redis.url(), second.url());
      java.util.function.Consumer<dev.tributary.config.TributaryOptions> cfg = o -> {
        o.getRedis().setUrls(urls);
        o.getGateway().getRateLimit().setCommandsPerSecond(0);
      };
      try (TestServer a = TestServer.start(cfg); TestServer b = TestServer.start(cfg);
           WsTestClient onB = WsTestClient.open(client, b.port)) {
        onB.connect();
        int channels = 20;
        for (int i = 0; i < channels; i++) {
          onB.subscribe("shard" + i);
        }
        for (int i = 0; i < channels; i++) {
          assertThat(publishHttp(a.port, "shard" + i, i)).isEqualTo(200);
        }
        java.util.Set<String> got = new java.util.HashSet<>();
        for (int i = 0; i < channels; i++) {
          got.add(onB.next().getJsonObject("push").getString("channel"));
        }
        assertThat(got).hasSize(channels);
        // Every publication went through the broker (sharded by channel over both Redis URLs). The
        // counter moves when PUBLISH's reply reaches a, which may be after b got the message.
        var published = a.server.registry().get("tributary.broker.published").counter();
        eventually("publish replies counted", () -> published.count() >= channels);
        assertThat(published.count()).isEqualTo(channels);
        assertThat(a.server.redisLinks()).hasSize(2);
      }
    }
  }

  @ParameterizedTest
  @MethodSource("deployments")
  void moduleStateIsVisibleFromAnotherNode(RedisDeployment redisAt) {
    try (TestServer a = node(redisAt); TestServer b = node(redisAt);
         WsTestClient onB = WsTestClient.open(client, b.port)) {
      onB.connect();
      onB.subscribe("weather");
      dev.tributary.coordinator.ModuleClient module = dev.tributary.coordinator.ModuleClient.create(a.server.vertx(), "sensor");
      module.register("weather").await();
      module.update(dev.tributary.bus.Priority.CRITICAL, new JsonObject().put("celsius", 21));
      // The publication crosses nodes through Redis...
      assertThat(onB.next().getJsonObject("push").getJsonObject("pub").getJsonObject("data")
          .getJsonObject("state").getInteger("celsius")).isEqualTo(21);
      // ...and node b answers the state API from the shared cache level.
      WebClient web = WebClient.create(client);
      try {
        eventually("state visible on b", () -> web.get(b.port, "127.0.0.1", "/api/state/weather")
            .putHeader("X-API-Key", TestServer.API_KEY).send().await().bodyAsJsonObject()
            .getJsonObject("result").getJsonArray("states").size() == 1);
      } finally {
        web.close();
      }
    }
  }

  static TestServer localWhenDegradedNode(String redisUrl) {
    return TestServer.start(o -> {
      o.getRedis().setUrls(List.of(redisUrl)).setDegradedPublishLocal(true);
      o.getRedis().getLink().setBreakerResetTimeoutMillis(500).setReconnectMaxDelayMillis(500);
      o.getGateway().getRateLimit().setCommandsPerSecond(0);
      o.getChannels().putNamespace("x", new NamespaceOptions().setAllowClientPublish(true));
    });
  }

  static HttpResponse<Buffer> publish(int port, String channel, Object data) {
    WebClient web = WebClient.create(client);
    try {
      return web.post(port, "127.0.0.1", "/api/publish").putHeader("X-API-Key", TestServer.API_KEY)
          .sendBuffer(Buffer.buffer(new JsonObject().put("channel", channel).put("data", data).encode())).await();
    } finally {
      web.close();
    }
  }

  static String data(JsonObject push) {
    return push.getJsonObject("push").getJsonObject("pub").getString("data");
  }

  /**
   * The default (redis.degradedPublish: refuse): while Redis is down a publication is refused with
   * 503 + Retry-After, counted, and delivered nowhere (never acknowledged for this node only); the
   * refused one never shows up later either, and cross-node delivery resumes.
   */
  @Test
  void redisOutageRefusesPublicationsAndRecoversCrossNode() throws Exception {
    try (TestServer a = node(redis); TestServer b = node(redis);
         WsTestClient onA = WsTestClient.open(client, a.port);
         WsTestClient onB = WsTestClient.open(client, b.port)) {
      onA.connect();
      onB.connect();
      onA.subscribe("x:live");
      onB.subscribe("x:live");
      assertThat(publishHttp(a.port, "x:live", "before")).isEqualTo(200);
      assertThat(data(onA.next())).isEqualTo("before");
      assertThat(data(onB.next())).isEqualTo("before");

      redis.stop();
      try {
        eventually("breaker open on a", () -> !a.server.ops().redisUp());
        HttpResponse<Buffer> during = publish(a.port, "x:live", "during");
        assertThat(during.statusCode()).isEqualTo(503);
        assertThat(during.getHeader("Retry-After")).isEqualTo("1");
        assertThat(during.bodyAsJsonObject().getJsonObject("error").getInteger("code")).isEqualTo(100);
        assertThat(during.bodyAsJsonObject().getJsonObject("error").getString("message")).contains("broker_unavailable");
        assertThat(a.server.registry().find("tributary.publish.refused").tag("reason", "broker_unavailable")
            .functionCounter().count()).isEqualTo(1);
        JsonObject health = WebClient.create(client).get(a.port, "127.0.0.1", "/health").send().await().bodyAsJsonObject();
        assertThat(health.getString("status")).isEqualTo("degraded");
      } finally {
        redis.restart();
      }
      eventually("breaker closed on both", () -> a.server.ops().redisUp() && b.server.ops().redisUp());
      // Cross-node fan-out resumes: publish until b sees one (the resubscribe completes on its own).
      // The refused "during" reached nobody: on each socket the next publication is an "after-".
      String seen = null;
      for (int i = 0; i < 200 && seen == null; i++) {
        assertThat(publishHttp(a.port, "x:live", "after-" + i)).isEqualTo(200);
        assertThat(data(onA.next())).isEqualTo("after-" + i);
        seen = onB.pollNext(100);
      }
      assertThat(seen).as("cross-node publication after Redis came back").isNotNull().startsWith("after-");
    }
  }

  /**
   * redis.degradedPublish: local: while Redis is down a publication of a channel without history
   * reaches this node's subscribers only, the reply says so ("local_only": true) and it is counted;
   * the other node never gets it.
   */
  @Test
  void degradedPublishLocalSaysLocalOnly() throws Exception {
    try (TestServer a = localWhenDegradedNode(redis.url()); TestServer b = node(redis);
         WsTestClient onA = WsTestClient.open(client, a.port);
         WsTestClient onB = WsTestClient.open(client, b.port)) {
      onA.connect();
      onB.connect();
      onA.subscribe("x:local");
      onB.subscribe("x:local");
      assertThat(publishHttp(a.port, "x:local", "before")).isEqualTo(200);
      assertThat(data(onA.next())).isEqualTo("before");
      assertThat(data(onB.next())).isEqualTo("before");
      redis.stop();
      try {
        eventually("breaker open on a", () -> !a.server.ops().redisUp());
        HttpResponse<Buffer> during = publish(a.port, "x:local", "during");
        assertThat(during.statusCode()).isEqualTo(200);
        assertThat(during.bodyAsJsonObject().getJsonObject("result").getBoolean("local_only")).isTrue();
        assertThat(data(onA.next())).isEqualTo("during");
        assertThat(a.server.registry().find("tributary.publish.local.only").functionCounter().count()).isEqualTo(1);
      } finally {
        redis.restart();
      }
      eventually("breaker closed on both", () -> a.server.ops().redisUp() && b.server.ops().redisUp());
      String seen = null;
      for (int i = 0; i < 200 && seen == null; i++) {
        HttpResponse<Buffer> r = publish(a.port, "x:local", "after-" + i);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.bodyAsJsonObject().getJsonObject("result").containsKey("local_only")).isFalse();
        assertThat(data(onA.next())).isEqualTo("after-" + i);
        seen = onB.pollNext(100);
      }
      assertThat(seen).as("b never got the local-only publication").isNotNull().startsWith("after-");
    }
  }
}
