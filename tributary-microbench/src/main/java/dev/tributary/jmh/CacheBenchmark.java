package dev.tributary.jmh;

import dev.tributary.cache.internal.LocalTieredCache;
import dev.tributary.redis.cache.RedisTieredCache;
import dev.tributary.cache.internal.TieredCacheSettings;
import dev.tributary.redis.RedisLink;
import dev.tributary.config.RedisSettings;
import dev.tributary.support.Clock;
import dev.tributary.testing.RedisServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Get latency of the coordination cache's levels (docs/PERFORMANCE-REDIS.md):
 *
 * <ul>
 *   <li>{@code caffeineGetIfPresent}: a bare Caffeine lookup (the floor under both L1 paths);
 *       {@code caffeineWithExpiry}: the same with the ticker and per-entry expiry the L1 levels
 *       use; {@code nanoTime}: one clock read.
 *   <li>{@code localL1Hit}: {@link LocalTieredCache#get} of a present key (Caffeine lookup, hit
 *       counter, an already complete future). Average time.
 *   <li>{@code redisL1Hit}: {@link RedisTieredCache#get} answered by L1 (same work, plus the
 *       two-level class's checks). Average time.
 *   <li>{@code redisL2Get}: {@link RedisTieredCache#get} with L1 forced to miss: a separate cache
 *       whose L1 holds at most 16 entries for at most 1 ms, read round robin over
 *       {@value #L2_KEYS} keys that are all in Redis, so every get is an L1 miss and an L2 hit
 *       ({@code GET} + {@code PTTL} pipelined through the link's circuit breaker). The benchmark
 *       thread is not a Vert.x thread: it waits on the future, so each sample includes the hand-off
 *       from the Redis client's event loop back to it. Sample time (percentiles).
 *   <li>{@code rawRedisGet}: a plain Vert.x Redis client {@code GET} of the same keys, waited for
 *       the same way: the floor that the cache's L2 path adds its own work to.
 * </ul>
 *
 * <p>A real {@code redis-server} ({@link RedisServer}: {@code $REDIS_SERVER}, the {@code PATH},
 * or the binary inside embedded-redis) runs on a free loopback port for the trial. The L2
 * percentiles at concurrency come from {@code scripts/bench cache-l2} (the load client, HdrHistogram).
 */
@State(Scope.Benchmark)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g", "-DTRIBUTARY_LOG_LEVEL=WARN"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class CacheBenchmark {
  static final int L1_KEYS = 1024; // power of two
  static final int L2_KEYS = 20_000;
  static final String VALUE = "{\"module\":\"sensor\",\"key\":\"k\",\"priority\":\"MEDIUM\",\"seq\":42,"
      + "\"state\":{\"celsius\":21.5,\"humidity\":40}}";

  private RedisServer redis;
  private Vertx vertx;
  private RedisLink link;
  private io.vertx.redis.client.Redis raw;
  private LocalTieredCache local;
  private RedisTieredCache tiered;
  private RedisTieredCache cold;
  private com.github.benmanes.caffeine.cache.Cache<String, String> caffeine;
  private com.github.benmanes.caffeine.cache.Cache<String, String> caffeineExpiring;
  private String[] l1Keys;
  private String[] l2Keys;
  private String[] rawKeys;
  private int i;
  private int j;

  @Setup(Level.Trial)
  public void start() throws Exception {
    redis = RedisServer.start();
    vertx = Vertx.vertx();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    link = new RedisLink(vertx, "bench", new RedisSettings().setUrl(redis.url()), registry);
    link.start().await(10, TimeUnit.SECONDS);
    raw = io.vertx.redis.client.Redis.createClient(vertx, redis.url());

    local = new LocalTieredCache("local", 10_000, Clock.SYSTEM, registry);
    tiered = new RedisTieredCache("hot", link, new TieredCacheSettings(), Clock.SYSTEM, registry);
    cold = new RedisTieredCache("cold", link, new TieredCacheSettings().setL1MaxEntries(16).setL1MaxTtlMillis(1),
        Clock.SYSTEM, registry);
    Future.all(tiered.ready(), cold.ready()).await(10, TimeUnit.SECONDS);

    caffeine = com.github.benmanes.caffeine.cache.Caffeine.newBuilder().maximumSize(10_000).executor(Runnable::run).build();
    Clock clock = Clock.SYSTEM;
    caffeineExpiring = com.github.benmanes.caffeine.cache.Caffeine.newBuilder().maximumSize(10_000)
        .ticker(clock::nanoTime)
        .expireAfter(new com.github.benmanes.caffeine.cache.Expiry<String, String>() {
          @Override
          public long expireAfterCreate(String key, String v, long currentTime) {
            return TimeUnit.HOURS.toNanos(1);
          }

          @Override
          public long expireAfterUpdate(String key, String v, long currentTime, long currentDuration) {
            return TimeUnit.HOURS.toNanos(1);
          }

          @Override
          public long expireAfterRead(String key, String v, long currentTime, long currentDuration) {
            return currentDuration;
          }
        })
        .executor(Runnable::run).build();
    l1Keys = new String[L1_KEYS];
    for (int k = 0; k < L1_KEYS; k++) {
      l1Keys[k] = "state:ch" + k + "\0sensor\0k";
      local.put(l1Keys[k], VALUE, Duration.ofHours(1));
      caffeine.put(l1Keys[k], VALUE);
      caffeineExpiring.put(l1Keys[k], VALUE);
      tiered.put(l1Keys[k], VALUE, Duration.ofHours(1)).await(10, TimeUnit.SECONDS);
    }
    l2Keys = new String[L2_KEYS];
    rawKeys = new String[L2_KEYS];
    List<Request> sets = new ArrayList<>();
    for (int k = 0; k < L2_KEYS; k++) {
      l2Keys[k] = "state:cold" + k + "\0sensor\0k";
      rawKeys[k] = dev.tributary.redis.cache.RedisTieredCache.redisKeyPrefix(TieredCacheSettings.DEFAULT_KEY_PREFIX, "cold") + l2Keys[k];
      sets.add(Request.cmd(Command.SET).arg(rawKeys[k]).arg(VALUE).arg("PX").arg(3_600_000));
      if (sets.size() == 1000) {
        link.batch(sets).await(10, TimeUnit.SECONDS);
        sets = new ArrayList<>();
      }
    }
  }

  @TearDown(Level.Trial)
  public void stop() throws Exception {
    long l2 = cold.l2Requests();
    double hit = cold.l2HitRate();
    System.out.printf("%n[cold cache] L2 reads %d, L2 hit rate %.4f, L1 hit rate %.4f (L2 path only if ~0)%n",
        l2, hit, cold.l1HitRate());
    Future.all(tiered.close(), cold.close()).await(10, TimeUnit.SECONDS);
    raw.close().await(10, TimeUnit.SECONDS);
    link.close().await(10, TimeUnit.SECONDS);
    vertx.close().await(10, TimeUnit.SECONDS);
    redis.close();
  }

  /** Floor: the Caffeine lookup alone (same size bound, no expiry policy, no counters, no future). */
  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  public String caffeineGetIfPresent() {
    return caffeine.getIfPresent(l1Keys[i++ & (L1_KEYS - 1)]);
  }

  /**
   * The Caffeine lookup as the L1 levels build it: a ticker ({@code Clock::nanoTime}) and a
   * per-entry expiry policy, so each read also reads the clock. No counters, no future.
   */
  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  public String caffeineWithExpiry() {
    return caffeineExpiring.getIfPresent(l1Keys[i++ & (L1_KEYS - 1)]);
  }

  /** One {@code System.nanoTime()}: what a ticker read costs on this machine. */
  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  public long nanoTime() {
    return System.nanoTime();
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  public Future<String> localL1Hit() {
    return local.get(l1Keys[i++ & (L1_KEYS - 1)]);
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  public Future<String> redisL1Hit() {
    return tiered.get(l1Keys[i++ & (L1_KEYS - 1)]);
  }

  @Benchmark
  @BenchmarkMode(Mode.SampleTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public String redisL2Get() throws Exception {
    int k = j++;
    if (j == L2_KEYS) {
      j = 0;
    }
    return cold.get(l2Keys[k]).toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  @Benchmark
  @BenchmarkMode(Mode.SampleTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public Object rawRedisGet() throws Exception {
    int k = j++;
    if (j == L2_KEYS) {
      j = 0;
    }
    return raw.send(Request.cmd(Command.GET).arg(rawKeys[k])).toCompletionStage().toCompletableFuture()
        .get(5, TimeUnit.SECONDS);
  }
}
