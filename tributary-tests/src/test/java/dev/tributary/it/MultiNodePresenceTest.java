package dev.tributary.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.config.NamespaceOptions;
import dev.tributary.testing.RedisServer;
import dev.tributary.testing.RedisClusterExtension;
import dev.tributary.testing.RedisDeployment;
import dev.tributary.testing.RedisServerExtension;
import dev.tributary.testing.TestServer;
import dev.tributary.testing.WsTestClient;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Presence across two nodes (separate Vert.x instances) sharing a real redis-server: both nodes
 * answer with every node's clients, join and leave reach subscribers on the other node, and a
 * Redis outage turns presence answers into errors (100 / HTTP 503) rather than hangs.
 */
class MultiNodePresenceTest {
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

  static TestServer node(String redisUrl) {
    return node((RedisDeployment) o -> o.setUrls(List.of(redisUrl)));
  }

  static TestServer node(RedisDeployment redisAt) {
    return TestServer.start(o -> {
      redisAt.configure(o.getRedis());
      o.getRedis().getLink().setBreakerResetTimeoutMillis(500).setReconnectMaxDelayMillis(500)
          .setCommandTimeoutMillis(1000);
      o.getGateway().getRateLimit().setCommandsPerSecond(0);
      o.getChannels().putNamespace("room", new NamespaceOptions().setPresence(true).setJoinLeave(true));
    });
  }

  static void eventually(String what, BooleanSupplier cond) {
    dev.tributary.testing.Poll.until(what, 20, cond);
  }

  /** The reply to a presence command: its result, or its error. */
  static JsonObject presenceCommand(WsTestClient c, String method, String channel) {
    JsonObject reply = c.reply(c.command(method, new JsonObject().put("channel", channel)));
    return reply.containsKey("error") ? reply : reply.getJsonObject(method);
  }

  static Set<String> clientsVia(WsTestClient c, String channel) {
    JsonObject r = presenceCommand(c, "presence", channel);
    return r.containsKey("error") ? Set.of("error " + r.getJsonObject("error").getInteger("code")) : r.getJsonObject("presence").fieldNames();
  }

  static HttpResponse<Buffer> api(int port, String path, String channel) {
    WebClient web = WebClient.create(client);
    try {
      return web.post(port, "127.0.0.1", path).putHeader("X-API-Key", TestServer.API_KEY)
          .sendBuffer(Buffer.buffer(new JsonObject().put("channel", channel).encode())).await();
    } finally {
      web.close();
    }
  }

  static JsonObject info(JsonObject line, String kind) {
    JsonObject push = line.getJsonObject("push");
    assertThat(push).as("a push: %s", line).isNotNull();
    assertThat(push.getJsonObject(kind)).as("a %s push: %s", kind, line).isNotNull();
    return push.getJsonObject(kind).getJsonObject("info");
  }

  @ParameterizedTest
  @MethodSource("deployments")
  void presenceJoinAndLeaveAreSharedByTheNodes(RedisDeployment redisAt) {
    try (TestServer a = node(redisAt); TestServer b = node(redisAt);
         WsTestClient onA = WsTestClient.open(client, a.port);
         WsTestClient onB = WsTestClient.open(client, b.port)) {
      String aId = onA.connect().getJsonObject("connect").getString("client");
      String bId = onB.connect().getJsonObject("connect").getString("client");
      onA.subscribe("room:1");
      assertThat(info(onA.next(), "join").getString("client")).isEqualTo(aId);
      onB.subscribe("room:1");
      assertThat(info(onB.next(), "join").getString("client")).isEqualTo(bId);

      // The join of a client on B reaches the subscriber on A (through the broker).
      JsonObject bJoin = info(onA.next(), "join");
      assertThat(bJoin.getString("client")).isEqualTo(bId);

      eventually("presence on A lists both", () -> clientsVia(onA, "room:1").equals(Set.of(aId, bId)));
      eventually("presence on B lists both", () -> clientsVia(onB, "room:1").equals(Set.of(aId, bId)));
      JsonObject stats = presenceCommand(onB, "presence_stats", "room:1");
      assertThat(stats.getInteger("num_clients")).isEqualTo(2);
      assertThat(stats.getInteger("num_users")).as("both anonymous").isEqualTo(1);
      for (TestServer n : List.of(a, b)) {
        HttpResponse<Buffer> r = api(n.port, "/api/presence_stats", "room:1");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.bodyAsJsonObject().getJsonObject("result").getInteger("num_clients")).isEqualTo(2);
        assertThat(api(n.port, "/api/presence", "room:1").bodyAsJsonObject().getJsonObject("result")
            .getJsonObject("presence").fieldNames()).containsExactlyInAnyOrder(aId, bId);
      }

      // B leaves: A gets the leave push, and the entry is gone on both nodes.
      onB.reply(onB.command("unsubscribe", new JsonObject().put("channel", "room:1")));
      assertThat(info(onA.next(), "leave").getString("client")).isEqualTo(bId);
      eventually("presence on A lists only A", () -> clientsVia(onA, "room:1").equals(Set.of(aId)));
      eventually("API on B lists only A", () -> api(b.port, "/api/presence", "room:1").bodyAsJsonObject()
          .getJsonObject("result").getJsonObject("presence").fieldNames().equals(Set.of(aId)));

      // A client closing its connection leaves too.
      String cId;
      try (WsTestClient onB2 = WsTestClient.open(client, b.port)) {
        cId = onB2.connect().getJsonObject("connect").getString("client");
        onB2.subscribe("room:1");
        assertThat(info(onA.next(), "join").getString("client")).isEqualTo(cId);
        eventually("presence on A lists A and the new client", () -> clientsVia(onA, "room:1").equals(Set.of(aId, cId)));
      }
      assertThat(info(onA.next(), "leave").getString("client")).isEqualTo(cId);
      eventually("closed client gone from A's presence", () -> clientsVia(onA, "room:1").equals(Set.of(aId)));
    }
  }

  @ParameterizedTest
  @MethodSource("deployments")
  void gracefulShutdownOfANodeRemovesItsEntriesAtOnce(RedisDeployment redisAt) {
    try (TestServer a = node(redisAt); WsTestClient onA = WsTestClient.open(client, a.port)) {
      String aId = onA.connect().getJsonObject("connect").getString("client");
      onA.subscribe("room:shutdown");
      assertThat(info(onA.next(), "join").getString("client")).isEqualTo(aId);
      String bId;
      TestServer b = node(redisAt);
      try (WsTestClient onB = WsTestClient.open(client, b.port)) {
        bId = onB.connect().getJsonObject("connect").getString("client");
        onB.subscribe("room:shutdown");
        assertThat(info(onA.next(), "join").getString("client")).isEqualTo(bId);
        eventually("presence on A lists both", () -> clientsVia(onA, "room:shutdown").equals(Set.of(aId, bId)));
        b.close(); // graceful: closes its clients (3001), which leave, then waits for the removals
      }
      assertThat(info(onA.next(), "leave").getString("client")).isEqualTo(bId);
      // Within the 20 s poll, far below the 60 s TTL: removed, not expired.
      eventually("B's client gone from A's presence", () -> clientsVia(onA, "room:shutdown").equals(Set.of(aId)));
    }
  }

  @Test
  void redisDownAnswersErrorsNotHangsAndPresenceComesBackWithRedis() throws Exception {
    try (RedisServer own = RedisServer.start()) {
      try (TestServer a = node(own.url()); WsTestClient onA = WsTestClient.open(client, a.port)) {
        String aId = onA.connect().getJsonObject("connect").getString("client");
        onA.subscribe("room:out");
        eventually("presence lists A", () -> clientsVia(onA, "room:out").equals(Set.of(aId)));

        own.stop();
        eventually("breaker open", () -> !a.server.ops().redisUp());
        JsonObject err = presenceCommand(onA, "presence", "room:out").getJsonObject("error");
        assertThat(err.getInteger("code")).isEqualTo(100);
        assertThat(err.getString("message")).isEqualTo("internal server error");
        assertThat(presenceCommand(onA, "presence_stats", "room:out").getJsonObject("error").getInteger("code")).isEqualTo(100);
        HttpResponse<Buffer> r = api(a.port, "/api/presence_stats", "room:out");
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.bodyAsJsonObject().getJsonObject("error").getInteger("code")).isEqualTo(100);
        assertThat(r.bodyAsJsonObject().getJsonObject("error").getString("message")).startsWith("presence not available");
        assertThat(a.server.registry().get("tributary.presence.redis.failed").counter().count()).isGreaterThanOrEqualTo(3);

        own.restart(); // empty: the node writes its entries again
        eventually("presence lists A again", () -> clientsVia(onA, "room:out").equals(Set.of(aId)));
      }
    }
  }
}
