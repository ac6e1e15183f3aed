package dev.tributary.redis.cache;

import dev.tributary.cache.internal.TieredCacheSettings;
import dev.tributary.cache.internal.TtlPolicy;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.tributary.metrics.MetricNames;
import dev.tributary.redis.RedisLink;
import dev.tributary.config.RedisSettings;
import dev.tributary.support.Clock;
import dev.tributary.testing.FakeClock;
import dev.tributary.testing.RedisServer;
import dev.tributary.testing.RedisServerExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.TestInfo;

/**
 * The two-level cache against a real redis-server. Each "node" has its own Vert.x, RedisLink and
 * cache; nodes of one test share a cache name (unique per test) and so L2 and the invalidation
 * channel.
 */
class RedisTieredCacheTest {
  @RegisterExtension
  static final RedisServerExtension redis = new RedisServerExtension();
  private final List<Node> nodes = new ArrayList<>();


  @AfterEach
  void closeNodes() throws Exception {
    for (Node n : nodes) {
      n.close();
    }
  }

  /** One Tributary node: its own Vert.x, link, cache and meter registry. */
  final class Node {
    final Vertx vertx = Vertx.vertx();
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final RedisLink link;
    final RedisTieredCache cache;
    final AtomicInteger restored = new AtomicInteger();

    Node(String url, String cacheName, TieredCacheSettings settings, Clock clock) throws Exception {
      link = new RedisLink(vertx, "test", new RedisSettings().setUrl(url)
          .setCommandTimeoutMillis(500).setBreakerMaxFailures(2).setBreakerResetTimeoutMillis(200)
          .setReconnectInitialDelayMillis(20).setReconnectMaxDelayMillis(200).setConnectTimeoutMillis(500), registry);
      link.addListener(new RedisLink.Listener() {
        @Override
        public void subscriptionsRestored() {
          restored.incrementAndGet();
        }
      });
      await(link.start());
      cache = new RedisTieredCache(cacheName, link, settings, clock, registry);
      await(cache.ready());
      nodes.add(this);
    }

    double count(String metric, String... tags) {
      return registry.get(metric).tags(tags).counter().count();
    }

    /** Runs {@code calls} in one task on one event loop of this node, so they overlap for sure. */
    <T> List<T> onEventLoop(Supplier<List<Future<T>>> calls) throws Exception {
      Promise<List<T>> p = Promise.promise();
      vertx.getOrCreateContext().runOnContext(v -> Future.all(calls.get()).onComplete(ar -> {
        if (ar.failed()) {
          p.fail(ar.cause());
        } else {
          p.complete(ar.result().list());
        }
      }));
      return await(p.future());
    }

    void close() throws Exception {
      await(cache.close());
      await(link.close());
      await(vertx.close());
    }
  }

  private String name;

  private Node node(TieredCacheSettings s, Clock clock) throws Exception {
    return new Node(redis.url(), name, s, clock);
  }

  private Node node() throws Exception {
    return node(new TieredCacheSettings(), Clock.SYSTEM);
  }

  @org.junit.jupiter.api.BeforeEach
  void name(TestInfo info) {
    name = info.getTestMethod().orElseThrow().getName();
  }

  private String l2Key(String key) {
    return RedisTieredCache.redisKeyPrefix(TieredCacheSettings.DEFAULT_KEY_PREFIX, name) + key;
  }

  private Response raw(Node n, Request r) throws Exception {
    return await(n.link.send(r));
  }

  @Test
  void l1HitAnswersAtOnceWithoutAskingRedis() throws Exception {
    Node a = node();
    await(a.cache.put("k", "v", Duration.ofSeconds(30)));
    Future<String> f = a.cache.get("k");
    assertThat(f.isComplete()).isTrue();
    assertThat(f.result()).isEqualTo("v");
    assertThat(a.count(MetricNames.CACHE_HITS, "cache", name, "level", "l1")).isEqualTo(1);
    assertThat(a.cache.l2Requests()).isZero();
    assertThat(raw(a, Request.cmd(Command.GET).arg(l2Key("k"))).toString()).isEqualTo("v");
  }

  @Test
  void l2HitFillsL1WithTheRemainingL2Lifetime() throws Exception {
    Node a = node();
    Node b = node(new TieredCacheSettings().setL1MaxTtlMillis(600_000), Clock.SYSTEM);
    await(a.cache.put("k", "v", Duration.ofSeconds(60)));
    until("B saw the write", () -> remoteInvalidations(b) == 1);

    assertThat(await(b.cache.get("k"))).isEqualTo("v");
    assertThat(b.cache.l2Requests()).isEqualTo(1);
    assertThat(b.count(MetricNames.CACHE_HITS, "cache", name, "level", "l2")).isEqualTo(1);
    assertThat(b.cache.peekL1("k")).isEqualTo("v");
    assertThat(b.cache.l1TimeToLive("k")).hasValueSatisfying(ttl ->
        assertThat(ttl).isBetween(Duration.ofSeconds(50), Duration.ofSeconds(60)));

    assertThat(await(b.cache.get("k"))).isEqualTo("v");
    assertThat(b.cache.l2Requests()).isEqualTo(1); // second read from L1
    assertThat(b.cache.l1HitRate()).isEqualTo(0.5);
  }

  @Test
  void l1CopyLivesAtMostL1MaxTtlOnTheInjectedClock() throws Exception {
    FakeClock clock = new FakeClock();
    Node a = node();
    Node b = node(new TieredCacheSettings().setL1MaxTtlMillis(1000), clock);
    await(a.cache.put("k", "v", Duration.ofSeconds(60)));
    until("B saw the write", () -> remoteInvalidations(b) == 1);

    assertThat(await(b.cache.get("k"))).isEqualTo("v");
    assertThat(b.cache.l1TimeToLive("k")).hasValue(Duration.ofSeconds(1));
    clock.advanceMillis(999);
    assertThat(b.cache.peekL1("k")).isEqualTo("v");
    clock.advanceMillis(2);
    assertThat(b.cache.peekL1("k")).isNull();

    assertThat(await(b.cache.get("k"))).isEqualTo("v"); // L2 still has it
    assertThat(b.cache.l2Requests()).isEqualTo(2);
  }

  @Test
  void l2EntryExpiresWithItsTtl() throws Exception {
    Node a = node();
    Node b = node();
    await(a.cache.put("k", "v", Duration.ofMillis(300)));
    assertThat(await(b.cache.get("k"))).isEqualTo("v");
    // Both L2 (Redis PX) and B's L1 copy (the remaining PTTL, real clock) run out.
    until("expired everywhere", () -> get(b, "k") == null);
    assertThat(raw(a, Request.cmd(Command.EXISTS).arg(l2Key("k"))).toInteger()).isZero();
  }

  @Test
  void putWithoutTtlTakesItsNamespaceLifetime() throws Exception {
    Node a = node(new TieredCacheSettings().setTtlPolicy(TtlPolicy.of(Duration.ofMinutes(5))
        .with("state:", Duration.ofSeconds(2))
        .with("query:", Duration.ofSeconds(30))), Clock.SYSTEM);
    await(a.cache.put("state:c\0m\0k", "s", null));
    await(a.cache.put("query:q", "q", null));
    await(a.cache.put("validation:v", "v", null));
    assertThat(pttl(a, "state:c\0m\0k")).isBetween(1L, 2_000L);
    assertThat(pttl(a, "query:q")).isBetween(2_001L, 30_000L);
    assertThat(pttl(a, "validation:v")).isBetween(30_001L, 300_000L);
    assertThat(a.cache.l1TimeToLive("state:c\0m\0k")).hasValueSatisfying(t -> assertThat(t).isLessThanOrEqualTo(Duration.ofSeconds(2)));
  }

  @Test
  void invalidationEvictsTheKeyOnEveryNode() throws Exception {
    Node a = node();
    Node b = node();
    put(a, "k", "v", b);
    assertThat(await(b.cache.get("k"))).isEqualTo("v");
    assertThat(b.cache.peekL1("k")).isEqualTo("v");

    await(a.cache.invalidate("k"));
    assertThat(a.cache.peekL1("k")).isNull();
    until("B's L1 copy evicted", () -> b.cache.peekL1("k") == null);
    assertThat(await(b.cache.get("k"))).isNull();
    assertThat(remoteInvalidations(b)).isEqualTo(2); // the write, then the invalidation
  }

  @Test
  void writeOnOneNodeEvictsStaleCopiesElsewhereButNotItsOwn() throws Exception {
    Node a = node();
    Node b = node();
    put(a, "k", "v1", b);
    assertThat(await(b.cache.get("k"))).isEqualTo("v1");

    await(a.cache.put("k", "v2", Duration.ofSeconds(30)));
    until("B's old copy evicted", () -> b.cache.peekL1("k") == null);
    assertThat(await(b.cache.get("k"))).isEqualTo("v2");

    // Messages reach A's subscriber in order: once a later one arrived, so did the echo of A's put.
    List<String> seen = new CopyOnWriteArrayList<>();
    await(a.link.subscribe(RedisTieredCache.redisKeyPrefix(TieredCacheSettings.DEFAULT_KEY_PREFIX, name) + "invalidate", m -> seen.add(m.toString())));
    await(b.cache.invalidate("other"));
    until("A saw B's later message", () -> seen.stream().anyMatch(m -> m.endsWith(":other")));
    assertThat(a.cache.peekL1("k")).isEqualTo("v2");
  }

  @Test
  void prefixInvalidationEvictsEveryMatchingKeyOnEveryNodeAndInL2() throws Exception {
    Node a = node(new TieredCacheSettings().setScanCount(100), Clock.SYSTEM);
    Node b = node();
    for (String k : List.of("state:a:1", "state:a:2", "state:b:1", "q*1", "qx1")) {
      put(a, k, "v", b);
      assertThat(await(b.cache.get(k))).isEqualTo("v");
    }
    List<Request> bulk = new ArrayList<>();
    for (int i = 0; i < 1200; i++) { // several SCAN steps
      bulk.add(Request.cmd(Command.SET).arg(l2Key("state:a:bulk:" + i)).arg("x").arg("PX").arg(30_000));
    }
    await(a.link.batch(bulk));

    await(a.cache.invalidatePrefix("state:a:"));
    await(a.cache.invalidatePrefix("q*")); // a glob character in a prefix matches only itself
    until("B evicted the prefixes", () -> b.cache.peekL1("state:a:1") == null
        && b.cache.peekL1("state:a:2") == null && b.cache.peekL1("q*1") == null);
    assertThat(b.cache.peekL1("state:b:1")).isEqualTo("v");
    assertThat(b.cache.peekL1("qx1")).isEqualTo("v");
    assertThat(a.cache.peekL1("state:a:1")).isNull();
    assertThat(raw(a, Request.cmd(Command.KEYS).arg(RedisTieredCache.globEscape(l2Key("state:a:")) + "*")).size()).isZero();
    assertThat(raw(a, Request.cmd(Command.EXISTS).arg(l2Key("state:b:1")).arg(l2Key("qx1"))).toInteger()).isEqualTo(2);
    assertThat(raw(a, Request.cmd(Command.EXISTS).arg(l2Key("q*1"))).toInteger()).isZero();
  }

  @Test
  void concurrentMissesOfOneKeyReadL2Once() throws Exception {
    Node a = node();
    Node b = node();
    put(a, "k", "v", b);

    List<String> values = b.onEventLoop(() -> {
      List<Future<String>> fs = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        fs.add(b.cache.get("k"));
      }
      return fs;
    });
    assertThat(values).hasSize(50).containsOnly("v");
    assertThat(b.cache.l2Requests()).isEqualTo(1);
    assertThat(b.count(MetricNames.CACHE_MISSES, "cache", name, "level", "l1")).isEqualTo(50);
  }

  @Test
  void concurrentMissesOfBothLevelsCallTheLoaderOnce() throws Exception {
    Node a = node();
    Node b = node();
    AtomicInteger loads = new AtomicInteger();
    List<String> values = b.onEventLoop(() -> {
      List<Future<String>> fs = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        fs.add(b.cache.get("k", key -> {
          loads.incrementAndGet();
          Promise<String> p = Promise.promise();
          b.vertx.setTimer(50, t -> p.complete("loaded:" + key));
          return p.future();
        }, Duration.ofSeconds(30)));
      }
      return fs;
    });
    assertThat(values).hasSize(50).containsOnly("loaded:k");
    assertThat(loads).hasValue(1);
    assertThat(b.cache.l2Requests()).isEqualTo(1);
    assertThat(await(a.cache.get("k"))).isEqualTo("loaded:k"); // stored in L2 for the others
  }

  @Test
  void invalidationDuringALoadKeepsTheLoadedValueOutOfTheCache() throws Exception {
    Node a = node();
    Promise<String> loading = Promise.promise();
    AtomicInteger loads = new AtomicInteger();
    Future<String> f = a.cache.get("k", key -> {
      loads.incrementAndGet();
      return loading.future();
    }, Duration.ofSeconds(30));
    until("loader called", () -> loads.get() == 1);

    await(a.cache.invalidate("k"));
    loading.complete("old");
    assertThat(await(f)).isEqualTo("old"); // the caller still gets its answer
    assertThat(a.cache.peekL1("k")).isNull();
    assertThat(raw(a, Request.cmd(Command.EXISTS).arg(l2Key("k"))).toInteger()).isZero();
  }

  @Test
  void degradesToL1WhileRedisIsDownAndRecoversWithAClearedL1() throws Exception {
    try (RedisServer own = RedisServer.start()) {
      Node a = new Node(own.url(), name, new TieredCacheSettings(), Clock.SYSTEM);
      Node b = new Node(own.url(), name, new TieredCacheSettings(), Clock.SYSTEM);
      put(a, "k1", "v1", b);
      assertThat(await(b.cache.get("k1"))).isEqualTo("v1");

      own.stop();
      until("A degraded", () -> !a.cache.isL2Available());
      until("B degraded", () -> !b.cache.isL2Available());
      // Nothing fails: L1 answers, writes and invalidations apply to L1.
      assertThat(await(a.cache.get("k1"))).isEqualTo("v1");
      assertThat(await(a.cache.get("missing"))).isNull();
      await(a.cache.put("k2", "v2", Duration.ofSeconds(30)));
      assertThat(await(a.cache.get("k2"))).isEqualTo("v2");
      await(a.cache.invalidate("k1"));
      assertThat(a.cache.peekL1("k1")).isNull();
      await(a.cache.invalidatePrefix("k"));
      assertThat(await(b.cache.get("k1"))).isEqualTo("v1"); // B cannot know: it serves its copy
      assertThat(a.count(MetricNames.CACHE_DEGRADED, "cache", name, "op", "get")).isGreaterThanOrEqualTo(1);
      assertThat(a.count(MetricNames.CACHE_DEGRADED, "cache", name, "op", "put")).isEqualTo(1);
      assertThat(a.count(MetricNames.CACHE_DEGRADED, "cache", name, "op", "invalidate")).isEqualTo(2);

      own.restart(); // empty: nothing persisted
      until("both recovered and resubscribed", () -> a.cache.isL2Available() && b.cache.isL2Available()
          && a.restored.get() >= 1 && b.restored.get() >= 1);
      until("L1 cleared on recovery", () -> a.cache.l1Size() == 0 && b.cache.l1Size() == 0);
      assertThat(await(b.cache.get("k1"))).isNull(); // the copy from before the outage is gone

      put(a, "k3", "v3", b);
      assertThat(await(b.cache.get("k3"))).isEqualTo("v3");
      await(a.cache.invalidate("k3"));
      until("invalidation reaches B again", () -> b.cache.peekL1("k3") == null);
      for (Node n : List.of(a, b)) { // before the server goes, or teardown logs a second outage
        n.close();
        nodes.remove(n);
      }
    }
  }

  /**
   * Puts on {@code writer} and waits until every reader applied the write's invalidation message:
   * otherwise that message may arrive after a reader's next get and evict the copy it just filled.
   */
  private void put(Node writer, String key, String value, Node... readers) throws Exception {
    double[] before = new double[readers.length];
    for (int i = 0; i < readers.length; i++) {
      before[i] = remoteInvalidations(readers[i]);
    }
    await(writer.cache.put(key, value, Duration.ofSeconds(30)));
    for (int i = 0; i < readers.length; i++) {
      Node r = readers[i];
      double b = before[i];
      until("reader saw the write of " + key, () -> remoteInvalidations(r) > b);
    }
  }

  private double remoteInvalidations(Node n) {
    return n.count(MetricNames.CACHE_INVALIDATIONS, "cache", name, "origin", "remote");
  }

  private String get(Node n, String key) {
    try {
      return await(n.cache.get(key));
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private long pttl(Node n, String key) throws Exception {
    return raw(n, Request.cmd(Command.PTTL).arg(l2Key(key))).toLong();
  }

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  static void until(String what, BooleanSupplier condition) {
    dev.tributary.testing.Poll.until(what, 10, condition);
  }
}
