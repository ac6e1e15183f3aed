package dev.tributary.it;

import static dev.tributary.it.CentJsServerApiTest.api;
import static dev.tributary.it.CentJsServerApiTest.awaitNodes;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.config.NamespaceOptions;
import dev.tributary.config.TributaryOptions;
import dev.tributary.testing.Jwt;
import dev.tributary.testing.Poll;
import dev.tributary.testing.RedisServer;
import dev.tributary.testing.TestServer;
import dev.tributary.testing.WsTestClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The server API on two node processes' worth of servers sharing one real redis-server: an
 * idempotent publication retried on either node is published once and answered with the first
 * result; commands aimed at a user reach its connections on the other node; channels and info
 * answer for the cluster; a node that stops announcing itself is dropped from info.
 */
class ServerApiClusterTest {
  static final String SECRET = "a-secret-for-the-cluster-test";
  static RedisServer redis;
  static TestServer a;
  static TestServer b;
  static Vertx vertx;

  @BeforeAll
  static void start() throws Exception {
    redis = RedisServer.start();
    Consumer<TributaryOptions> conf = o -> {
      o.getRedis().setUrls(List.of(redis.url()));
      o.getAuth().setTokenHmacSecret(SECRET);
      o.getApi().setNodeInfoIntervalSeconds(1);
      o.getChannels().putNamespace("hist", new NamespaceOptions().setHistorySize(100).setHistoryTtlSeconds(60));
    };
    a = TestServer.start(conf);
    b = TestServer.start(conf);
    awaitNodes(a, 2);
    awaitNodes(b, 2);
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    b.close();
    a.close();
    redis.close();
    vertx.close();
  }

  static WsTestClient user(TestServer s, String user) {
    WsTestClient c = WsTestClient.open(vertx, s.port).autoPong();
    assertThat(c.connect(new JsonObject().put("token", Jwt.sign(SECRET, new JsonObject().put("sub", user))))
        .containsKey("connect")).isTrue();
    return c;
  }

  static JsonObject ok(JsonObject response) {
    assertThat(response.getInteger("status")).as(response.encode()).isEqualTo(200);
    return response.getJsonObject("result");
  }

  @Test
  void idempotentPublishRetriedOnEitherNodeIsPublishedOnce() {
    try (WsTestClient sub = user(a, "reader")) {
      sub.subscribe("hist:idem");
      JsonObject pub = new JsonObject().put("channel", "hist:idem").put("data", new JsonObject().put("n", 1))
          .put("idempotency_key", "order-42");
      JsonObject first = ok(api(a.port, "publish", pub));
      assertThat(first.getLong("offset")).isEqualTo(1);
      // Retries, on the other node and on the same one: the first call's result, nothing published.
      assertThat(ok(api(b.port, "publish", pub))).isEqualTo(first);
      assertThat(ok(api(a.port, "publish", pub))).isEqualTo(first);
      // In a broadcast too, per channel.
      JsonObject bc = ok(api(b.port, "broadcast", new JsonObject().put("channels", new JsonArray().add("hist:idem"))
          .put("data", new JsonObject().put("n", 1)).put("idempotency_key", "order-42")));
      assertThat(bc.getJsonArray("responses").getJsonObject(0).getJsonObject("result")).isEqualTo(first);
      // The same key on another channel is another publication.
      assertThat(ok(api(b.port, "publish", pub.copy().put("channel", "hist:other"))).getLong("offset")).isEqualTo(1);
      ok(api(b.port, "publish", new JsonObject().put("channel", "hist:idem").put("data", new JsonObject().put("n", 2))
          .put("idempotency_key", "order-43")));
      // The subscriber got each publication once: n=1, then n=2 right after it.
      assertThat(sub.next().getJsonObject("push").getJsonObject("pub").getJsonObject("data").getInteger("n")).isEqualTo(1);
      assertThat(sub.next().getJsonObject("push").getJsonObject("pub").getJsonObject("data").getInteger("n")).isEqualTo(2);
      JsonArray history = ok(api(a.port, "history", new JsonObject().put("channel", "hist:idem").put("limit", 10)))
          .getJsonArray("publications");
      assertThat(history).hasSize(2);
    }
  }

  @Test
  void commandsReachTheUsersConnectionsOnTheOtherNode() {
    try (WsTestClient onA = user(a, "carol"); WsTestClient onB = user(b, "carol"); WsTestClient other = user(a, "dave")) {
      ok(api(b.port, "subscribe", new JsonObject().put("user", "carol").put("channel", "room")
          .put("data", new JsonObject().put("welcome", true))));
      for (WsTestClient c : List.of(onA, onB)) {
        JsonObject push = c.next().getJsonObject("push");
        assertThat(push.getString("channel")).isEqualTo("room");
        assertThat(push.getJsonObject("subscribe").getJsonObject("data").getBoolean("welcome")).isTrue();
      }
      // The cluster's channels: carol's two connections, one per node.
      JsonObject channels = ok(api(a.port, "channels", new JsonObject().put("pattern", "ro?m"))).getJsonObject("channels");
      assertThat(channels).isEqualTo(new JsonObject().put("room", new JsonObject().put("num_clients", 2)));
      // A publication through A reaches the server-side subscriber on B.
      ok(api(a.port, "publish", new JsonObject().put("channel", "room").put("data", 7)));
      assertThat(onB.next().getJsonObject("push").getJsonObject("pub").getInteger("data")).isEqualTo(7);
      assertThat(onA.next().getJsonObject("push").getJsonObject("pub").getInteger("data")).isEqualTo(7);
      ok(api(a.port, "unsubscribe", new JsonObject().put("user", "carol").put("channel", "room")));
      for (WsTestClient c : List.of(onA, onB)) {
        JsonObject unsub = c.next().getJsonObject("push").getJsonObject("unsubscribe");
        assertThat(unsub.getInteger("code")).isEqualTo(2000);
      }
      ok(api(a.port, "disconnect", new JsonObject().put("user", "carol")
          .put("disconnect", new JsonObject().put("code", 4000).put("reason", "moved"))));
      assertThat(onA.awaitClose()).isEqualTo(4000);
      assertThat(onB.awaitClose()).isEqualTo(4000);
      // dave, connected all along, was not touched.
      assertThat(other.isClosed()).isFalse();
      ok(api(b.port, "refresh", new JsonObject().put("user", "dave").put("expired", true)));
      assertThat(other.awaitClose()).isEqualTo(3005);
    }
  }

  @Test
  void infoCountsEveryNodesConnections() {
    try (WsTestClient x = user(a, "erin"); WsTestClient y = user(b, "erin"); WsTestClient z = user(b, "frank")) {
      // This node's figures are read now, the other's are its last announcement (every second).
      JsonArray nodes = Poll.until("A counts 1 client of 1 user, B announces 2 clients of 2 users", 10,
          () -> ok(api(a.port, "info", new JsonObject())).getJsonArray("nodes"),
          ns -> ns.size() == 2 && counts(ns.getJsonObject(0), 1, 1) && counts(ns.getJsonObject(1), 2, 2));
      assertThat(nodes.getJsonObject(0).getString("uid")).isEqualTo(a.server.control().uid());
      assertThat(nodes.getJsonObject(1).getString("uid")).isEqualTo(b.server.control().uid());
      for (Object n : nodes) {
        assertThat(((JsonObject) n).fieldNames()).contains("name", "version", "uptime", "num_channels", "num_subs");
      }
    }
  }

  static boolean counts(JsonObject node, int clients, int users) {
    return node.getInteger("num_clients") == clients && node.getInteger("num_users") == users;
  }

  @Test
  void aNodeThatStopsAnnouncingIsDroppedFromInfo() {
    // A node that died without a word: one announcement (valid for 1 s), then silence.
    JsonObject ghost = new JsonObject().put("t", "node").put("from", "ghost").put("ttl", 1000)
        .put("info", new JsonObject().put("uid", "ghost").put("name", "ghost_1").put("num_clients", 0));
    a.server.redisLinks().get(0).publish("tributary.control", ghost.encode()).await();
    Poll.until("the ghost listed", 10, () -> ok(api(b.port, "info", new JsonObject())).getJsonArray("nodes").size(),
        n -> n == 3);
    Poll.until("the ghost dropped after its ttl", 10,
        () -> ok(api(b.port, "info", new JsonObject())).getJsonArray("nodes").size(), n -> n == 2);
  }
}
