package dev.tributary.redis.presence;

import dev.tributary.presence.PresenceJson;
import dev.tributary.presence.PresenceStore;
import dev.tributary.presence.PresenceStoreContract;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tributary.metrics.MetricNames;
import dev.tributary.presence.PresenceStore.ClientInfo;
import dev.tributary.presence.PresenceStore.Stats;
import dev.tributary.redis.RedisLink;
import dev.tributary.config.RedisSettings;
import dev.tributary.redis.RedisUnavailableException;
import dev.tributary.testing.RedisServer;
import dev.tributary.testing.RedisServerExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link RedisPresence} against a real redis-server: the presence contract, then what only the
 * shared store must do (two stores stand for two nodes).
 */
class RedisPresenceTest extends PresenceStoreContract {
  @RegisterExtension
  static final RedisServerExtension redis = new RedisServerExtension();
  private Vertx vertx;
  private SimpleMeterRegistry registry;
  private final List<RedisLink> links = new ArrayList<>();
  private final List<RedisPresence> stores = new ArrayList<>();


  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    registry = new SimpleMeterRegistry();
  }

  @AfterEach
  void tearDown() throws Exception {
    for (RedisPresence s : stores) {
      await(s.close());
    }
    for (RedisLink l : links) {
      await(l.close());
    }
    await(vertx.close());
  }

  /** Small timeouts so that outage tests take a second, not a minute. */
  private RedisLink link(String name, String url) throws Exception {
    RedisLink l = new RedisLink(vertx, name, new RedisSettings().setUrl(url)
        .setCommandTimeoutMillis(2000).setBreakerMaxFailures(2).setBreakerResetTimeoutMillis(200)
        .setReconnectInitialDelayMillis(20).setReconnectMaxDelayMillis(200).setConnectTimeoutMillis(500), registry);
    links.add(l);
    await(l.start());
    return l;
  }

  private RedisPresence store(List<RedisLink> on, int ttlSeconds) {
    RedisPresence s = new RedisPresence(vertx, on, ttlSeconds, registry);
    stores.add(s);
    return s;
  }

  @Override
  protected PresenceStore store() throws Exception {
    return store(List.of(link("r0", redis.url())), 60);
  }

  @Test
  void channelInfoOfASubscriptionTokenIsKeptInRedis() throws Exception {
    RedisPresence s = store(List.of(link("r0", redis.url())), 60);
    io.vertx.core.json.JsonObject info = new io.vertx.core.json.JsonObject().put("name", "Ann").put("n", 3);
    await(s.add("p:info", new ClientInfo("a", "u1", info)));
    await(s.add("p:info", new ClientInfo("b", "u2")));
    Map<String, ClientInfo> p = await(s.presence("p:info"));
    assertThat(p.get("a")).isEqualTo(new ClientInfo("a", "u1", info));
    assertThat(p.get("b").chanInfo()).isNull();
    assertThat(await(dev.tributary.presence.PresenceJson.result(s, "p:info", false)).getJsonObject("presence"))
        .isEqualTo(new io.vertx.core.json.JsonObject()
            .put("a", new io.vertx.core.json.JsonObject().put("client", "a").put("user", "u1").put("chan_info", info))
            .put("b", new io.vertx.core.json.JsonObject().put("client", "b").put("user", "u2")));
  }

  @Test
  void entriesExpireWithTheTtlAndAreCountedAsThisNodesOwn() throws Exception {
    RedisPresence s = store(List.of(link("r0", redis.url())), 60);
    await(s.add("p:basic", new ClientInfo("a", "u1")));
    await(s.add("p:basic", new ClientInfo("b", "u1")));
    await(s.add("p:other", new ClientInfo("d", "u3")));
    assertThat(s.localEntries()).isEqualTo(3);
    // Both keys expire with the TTL, so a channel whose nodes all die leaves nothing behind.
    long ttl = await(links.get(0).send(Request.cmd(Command.PTTL).arg(RedisPresence.keys("p:basic")[1]))).toLong();
    assertThat(ttl).isBetween(1L, 60_000L);
    await(s.remove("p:basic", "a"));
    assertThat(s.localEntries()).isEqualTo(2);
  }

  @Test
  void answersAfterRedisForgotItsScripts() throws Exception {
    RedisLink l = link("r0", redis.url());
    RedisPresence s = store(List.of(l), 60);
    await(s.add("p:scripts", new ClientInfo("a", "u1")));
    await(l.send(Request.cmd(Command.SCRIPT).arg("FLUSH")));
    // EVALSHA gets NOSCRIPT and the store falls back to EVAL.
    assertThat(await(s.presence("p:scripts"))).containsOnlyKeys("a");
    await(l.send(Request.cmd(Command.SCRIPT).arg("FLUSH")));
    assertThat(await(s.stats("p:scripts"))).isEqualTo(new Stats(1, 1));
    await(l.send(Request.cmd(Command.SCRIPT).arg("FLUSH")));
    await(s.remove("p:scripts", "a"));
    assertThat(await(s.presence("p:scripts"))).isEmpty();
  }

  @Test
  void twoNodesSeeEachOthersEntries() throws Exception {
    RedisPresence a = store(List.of(link("node-a", redis.url())), 60);
    RedisPresence b = store(List.of(link("node-b", redis.url())), 60);
    await(a.add("p:two", new ClientInfo("on-a", "ua")));
    await(b.add("p:two", new ClientInfo("on-b", "ub")));
    assertThat(await(a.presence("p:two"))).containsOnlyKeys("on-a", "on-b");
    assertThat(await(b.stats("p:two"))).isEqualTo(new Stats(2, 2));
    await(b.remove("p:two", "on-b"));
    assertThat(await(a.presence("p:two"))).containsOnlyKeys("on-a");
  }

  @Test
  void entriesOfADeadNodeExpireWhileALiveNodeKeepsItsOwn() throws Exception {
    int ttlSeconds = 2;
    RedisPresence dying = store(List.of(link("node-a", redis.url())), ttlSeconds);
    RedisPresence live = store(List.of(link("node-b", redis.url())), ttlSeconds);
    await(dying.add("p:expiry", new ClientInfo("dead", "u1")));
    await(live.add("p:expiry", new ClientInfo("alive", "u2")));
    assertThat(await(live.presence("p:expiry"))).containsOnlyKeys("dead", "alive");

    await(dying.close()); // the node stops refreshing and never removes its entry: it died
    until("the dead node's entry expired", () -> {
      Map<String, ClientInfo> p = now(live.presence("p:expiry"));
      return p != null && !p.containsKey("dead");
    });

    // Liveness, not timing: the refreshing node's entry is still there after several TTLs.
    dev.tributary.testing.Poll.throughout(TimeUnit.SECONDS.toMillis(3L * ttlSeconds), 100,
        () -> assertThat(now(live.presence("p:expiry"))).containsOnlyKeys("alive"));
    assertThat(await(live.stats("p:expiry"))).isEqualTo(new Stats(1, 1));
  }

  @Test
  void redisDownFailsFastAndItsRestartRestoresTheLiveEntries() throws Exception {
    try (RedisServer own = RedisServer.start()) {
      RedisLink l = link("own", own.url());
      RedisPresence s = store(List.of(l), 60);
      await(s.add("p:outage", new ClientInfo("a", "u1")));

      own.stop();
      assertThatThrownBy(() -> await(s.presence("p:outage")))
          .isInstanceOf(ExecutionException.class).cause().isInstanceOf(RedisUnavailableException.class);
      until("breaker open", () -> !l.isAvailable());
      assertThatThrownBy(() -> await(s.stats("p:outage"))).cause().isInstanceOf(RedisUnavailableException.class)
          .hasMessageContaining("redis own");
      // A subscribe during the outage: the write fails, the node keeps the entry and writes it later.
      assertThatThrownBy(() -> await(s.add("p:outage", new ClientInfo("b", "u2")))).cause()
          .isInstanceOf(RedisUnavailableException.class);
      assertThat(registry.get(MetricNames.PRESENCE_REDIS_FAILED).counter().count()).isGreaterThanOrEqualTo(3);

      own.restart(); // empty: nothing is persisted
      until("both entries back after the restart",
          () -> {
            Map<String, ClientInfo> p = now(s.presence("p:outage"));
            return p != null && p.keySet().equals(java.util.Set.of("a", "b"));
          });
      await(l.close()); // before the server goes, or teardown logs a second outage
      links.remove(l);
    }
  }

  @Test
  void channelsLiveOnTheRedisTheRingPicks() throws Exception {
    try (RedisServer second = RedisServer.start()) {
      RedisLink r0 = link("redis0", redis.url());
      RedisLink r1 = link("redis1", second.url());
      RedisPresence s = store(List.of(r0, r1), 60);
      int onFirst = 0;
      for (int i = 0; i < 20; i++) {
        String ch = "p:shard" + i;
        await(s.add(ch, new ClientInfo("c" + i, "u")));
        RedisLink home = s.linkFor(ch);
        RedisLink other = home == r0 ? r1 : r0;
        onFirst += home == r0 ? 1 : 0;
        assertThat(await(home.send(Request.cmd(Command.HLEN).arg(RedisPresence.keys(ch)[0]))).toInteger()).isEqualTo(1);
        assertThat(await(other.send(Request.cmd(Command.EXISTS).arg(RedisPresence.keys(ch)[0]))).toInteger()).isZero();
        assertThat(await(s.presence(ch))).containsOnlyKeys("c" + i);
      }
      assertThat(onFirst).as("both instances hold some of 20 channels").isBetween(1, 19);
      await(r1.close()); // before the server goes
      links.remove(r1);
    }
  }

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** The answer, or null while the store fails (Redis still coming back). */
  static Map<String, ClientInfo> now(Future<Map<String, ClientInfo>> f) {
    try {
      return await(f);
    } catch (Exception e) {
      return null;
    }
  }

  static void until(String what, BooleanSupplier condition) {
    dev.tributary.testing.Poll.until(what, 15, condition);
  }
}
