package dev.tributary.bench;

import dev.tributary.redis.cache.RedisTieredCache;
import dev.tributary.cache.internal.TieredCacheSettings;
import dev.tributary.redis.RedisLink;
import dev.tributary.redis.RedisPipeline;
import dev.tributary.config.RedisSettings;
import dev.tributary.support.Clock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * L2 read latency of the server's Redis-backed cache ({@link RedisTieredCache}) against a real
 * {@code redis-server} on loopback (docs/PERFORMANCE-REDIS.md): every get misses L1 (an L1 of 16
 * entries for at most 1 ms, keys read round robin over {@code keys} keys that are all in Redis)
 * and hits L2. Runs in the load client's JVM with the server's classes ({@code scripts/bench
 * cache-l2} starts redis-server and passes {@code redisUrl=} and {@code redisPid=}).
 *
 * <p>Each path is driven three ways: one get at a time from a plain thread (waiting on each
 * future: a thread hand-off per get), one at a time on an event loop (the next get issued in the
 * previous one's callback, as the server's own code does), and {@code inflight} gets in flight
 * from one event loop. The same for the layers underneath, to attribute the cost:
 *
 * <ul>
 *   <li>{@code cache.get}: the whole L2 path (single-flight map, {@code GET}+{@code PTTL} through
 *       the link's pipelined connections, L1 fill, completion on the caller's context);
 *   <li>{@code link.batchPipelined}: {@code RedisLink.batchPipelined(GET, PTTL)} (circuit breaker +
 *       the link's per-event-loop {@link RedisPipeline});
 *   <li>{@code pipeline.batch}, {@code pipeline.send}: a {@link RedisPipeline} alone;
 *   <li>{@code link.batch}: {@code RedisLink.batch(GET, PTTL)} (circuit breaker + pooled client);
 *   <li>{@code raw.send}: one {@code GET} on a plain Vert.x Redis client with the link's pool
 *       settings; what-ifs: a pool of 32, and one connection shared by every caller.
 * </ul>
 *
 * <p>CPU: this JVM's ({@link ClientCpu}) and redis-server's ({@link ServerProbe} on
 * {@code redisPid}) over each measured phase, so that the limit can be told apart.
 */
public final class CacheL2Scenario {
  static final String VALUE = "{\"module\":\"sensor\",\"key\":\"k\",\"priority\":\"MEDIUM\",\"seq\":42,"
      + "\"state\":{\"celsius\":21.5,\"humidity\":40}}";
  static final List<String> PATHS = List.of("cache.get", "link.batchPipelined", "pipeline.batch", "pipeline.send",
      "link.batch", "raw.send", "raw.send, pool 32", "one connection, pipelined");

  private CacheL2Scenario() {}

  /** What to run. */
  public static final class Config {
    public String redisUrl;
    /** redis-server's pid for its CPU figure; -1: not reported. */
    public long redisPid = -1;
    public long clkTck = 100;
    public int gets = 20_000;
    public int warmup = 5_000;
    public List<Integer> inflight = List.of(8, 64);
    public int eventLoops = 2;
    public int keys = 20_000;
    /** Only the paths whose name starts with one of these; empty: all. */
    public List<String> paths = List.of();

    static Config from(Params p) {
      Config c = new Config();
      c.redisUrl = p.string("redisUrl", null);
      if (c.redisUrl == null) {
        throw new BenchException("redisUrl=redis://HOST:PORT is required (scripts/bench cache-l2 starts one)");
      }
      c.redisPid = p.longValue("redisPid", -1, -1, Long.MAX_VALUE);
      c.clkTck = p.longValue("clkTck", 100, 1, 1_000_000);
      c.gets = p.intValue("n", c.gets, 1, 100_000_000);
      c.warmup = p.intValue("warmup", c.warmup, 0, 100_000_000);
      c.eventLoops = p.intValue("loops", c.eventLoops, 1, 64);
      c.keys = p.intValue("keys", c.keys, 1, 10_000_000);
      c.inflight = p.intList("inflight", c.inflight, 1, 100_000);
      String paths = p.string("paths", "");
      c.paths = paths.isEmpty() ? List.of() : List.of(paths.split(","));
      for (String prefix : c.paths) {
        if (PATHS.stream().noneMatch(n -> n.startsWith(prefix))) {
          throw new BenchException("option paths: no path starts with '" + prefix + "' (paths: " + PATHS + ")");
        }
      }
      return c;
    }
  }

  /** Every selected path, every driver; a row per (path, driver) in {@code rows}. */
  public static Result run(Config c, PrintStream out) {
    ServerProbe redisProbe = c.redisPid > 0 ? new ServerProbe(c.redisPid, c.clkTck) : null;
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(c.eventLoops));
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    List<Runnable> closers = new ArrayList<>();
    try {
      RedisLink link = new RedisLink(vertx, "bench", new RedisSettings().setUrl(c.redisUrl), registry);
      await(link.start());
      closers.add(() -> await(link.close()));
      RedisTieredCache cold = new RedisTieredCache("cold", link,
          new TieredCacheSettings().setL1MaxEntries(16).setL1MaxTtlMillis(1), Clock.SYSTEM, registry);
      await(cold.ready());
      closers.add(0, () -> await(cold.close()));
      Redis raw = client(vertx, c.redisUrl, RedisSettings.DEFAULT_POOL_SIZE, closers);
      Redis raw32 = client(vertx, c.redisUrl, 32, closers);
      Redis one = Redis.createClient(vertx, new RedisOptions().setConnectionString(c.redisUrl).setMaxPoolSize(1)
          .setMaxWaitingHandlers(4096));
      RedisConnection pipe = await(one.connect());
      closers.add(0, () -> {
        await(pipe.close());
        await(one.close());
      });
      RedisPipeline lanes = RedisPipeline.perEventLoop(vertx, "bench", c.redisUrl, 2000, 0, List.of());
      closers.add(0, () -> await(lanes.close()));

      String[] keys = new String[c.keys];
      String[] rawKeys = new String[c.keys];
      List<Request> sets = new ArrayList<>();
      for (int k = 0; k < c.keys; k++) {
        keys[k] = "state:cold" + k + "\0sensor\0k";
        rawKeys[k] = dev.tributary.redis.cache.RedisTieredCache.redisKeyPrefix(TieredCacheSettings.DEFAULT_KEY_PREFIX, "cold") + keys[k];
        sets.add(Request.cmd(Command.SET).arg(rawKeys[k]).arg(VALUE).arg("PX").arg(3_600_000));
        if (sets.size() == 1000 || k == c.keys - 1) {
          await(link.batch(sets));
          sets = new ArrayList<>();
        }
      }
      List<IntFunction<Future<?>>> ops = List.of(
          k -> cold.get(keys[k]).map(v -> {
            if (v == null) {
              throw new IllegalStateException("L2 miss of key " + k + ": every key was written to Redis");
            }
            return v;
          }),
          k -> link.batchPipelined(getAndPttl(rawKeys[k])),
          k -> lanes.batch(getAndPttl(rawKeys[k])),
          k -> lanes.send(Request.cmd(Command.GET).arg(rawKeys[k])),
          k -> link.batch(getAndPttl(rawKeys[k])),
          k -> raw.send(Request.cmd(Command.GET).arg(rawKeys[k])),
          k -> raw32.send(Request.cmd(Command.GET).arg(rawKeys[k])),
          k -> pipe.send(Request.cmd(Command.GET).arg(rawKeys[k])));

      AtomicInteger next = new AtomicInteger();
      List<Object> rows = new ArrayList<>();
      long cacheGets = 0;
      for (int o = 0; o < ops.size(); o++) {
        String path = PATHS.get(o);
        if (!c.paths.isEmpty() && c.paths.stream().noneMatch(path::startsWith)) {
          continue;
        }
        IntFunction<Future<?>> op = ops.get(o);
        Driver d = new Driver(vertx, op, next, c.keys);
        out.printf("cache-l2: %s%n", path);
        // Warm-up of this path in every driver (not reported).
        d.fromThread(c.warmup);
        d.onLoop(c.warmup, 1);
        d.onLoop(c.warmup, c.inflight.get(c.inflight.size() - 1));
        rows.add(measure(path, "plain thread, 1 in flight", redisProbe, () -> d.fromThread(c.gets)));
        rows.add(measure(path, "event loop, 1 in flight", redisProbe, () -> d.onLoop(c.gets, 1)));
        for (int f : c.inflight) {
          rows.add(measure(path, "event loop, " + f + " in flight", redisProbe, () -> d.onLoop(c.gets * 2, f)));
        }
        if (o == 0) {
          cacheGets = 3L * c.warmup + c.gets * 2L + c.gets * 2L * c.inflight.size();
        }
      }
      Result r = new Result();
      r.put("scenario", "cache-l2");
      r.put("gets", c.gets);
      r.put("warmup", c.warmup);
      r.put("keys", c.keys);
      r.put("inflight", c.inflight);
      r.put("eventLoops", c.eventLoops);
      r.put("rows", rows);
      if (cacheGets > 0) {
        // The premise: every cache.get missed L1 and read L2, and every L2 read found its key.
        r.put("cacheGets", cacheGets);
        r.put("l1HitRate", cold.l1HitRate());
        r.put("l2Reads", cold.l2Requests());
        r.put("l2HitRate", cold.l2HitRate());
        if (cold.l2Requests() < cacheGets * 0.99) {
          r.note(String.format("only %,d of %,d cache gets read L2: the L1 served the rest, the cache.get rows are not L2 reads",
              cold.l2Requests(), cacheGets));
        }
      }
      if (redisProbe == null) {
        r.note("redis-server's CPU not reported: redisPid= not given");
      }
      return r;
    } finally {
      for (Runnable close : closers) {
        try {
          close.run();
        } catch (RuntimeException e) {
          out.println("cache-l2: close: " + e.getMessage());
        }
      }
      await(vertx.close());
    }
  }

  private static Redis client(Vertx vertx, String url, int pool, List<Runnable> closers) {
    Redis r = Redis.createClient(vertx, new RedisOptions().setConnectionString(url).setMaxPoolSize(pool)
        .setMaxPoolWaiting(RedisSettings.DEFAULT_MAX_POOL_WAITING));
    closers.add(0, () -> await(r.close()));
    return r;
  }

  private static List<Request> getAndPttl(String key) {
    return List.of(Request.cmd(Command.GET).arg(key), Request.cmd(Command.PTTL).arg(key));
  }

  private static <T> T await(Future<T> f) {
    try {
      return f.await(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new BenchException("redis: " + e.getMessage(), e);
    }
  }

  interface Phase {
    Histogram run();
  }

  /** One (path, driver) row: gets, latency (ms, µs resolution), gets/s, this JVM's and redis's CPU. */
  static Map<String, Object> measure(String path, String driver, ServerProbe redis, Phase phase) {
    long cpu0 = ClientCpu.nanos();
    long r0 = redis == null ? -1 : redis.cpuNanos();
    long t0 = System.nanoTime();
    Histogram h = phase.run();
    long t1 = System.nanoTime();
    long cpu1 = ClientCpu.nanos();
    long r1 = redis == null ? -1 : redis.cpuNanos();
    double seconds = (t1 - t0) / 1e9;
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("path", path);
    m.put("driver", driver);
    m.put("gets", h.getTotalCount());
    m.put("latencyMs", Result.latency(h));
    m.put("getsPerSec", h.getTotalCount() / seconds);
    m.put("jvmCpuCores", cpu0 < 0 ? null : (cpu1 - cpu0) / 1e9 / seconds);
    m.put("redisCpuCores", r0 < 0 ? null : (r1 - r0) / 1e9 / seconds);
    return m;
  }

  /** Issues gets of one path: from this thread, or in chains on one event-loop context. */
  static final class Driver {
    private final Vertx vertx;
    private final IntFunction<Future<?>> op;
    private final AtomicInteger next;
    private final int keys;

    Driver(Vertx vertx, IntFunction<Future<?>> op, AtomicInteger next, int keys) {
      this.vertx = vertx;
      this.op = op;
      this.next = next;
      this.keys = keys;
    }

    /** One get at a time from this (non-Vert.x) thread, waiting on each future. */
    Histogram fromThread(int count) {
      Histogram h = Loops.newHistogram();
      for (int i = 0; i < count; i++) {
        int k = Math.floorMod(next.getAndIncrement(), keys);
        long t0 = System.nanoTime();
        try {
          op.apply(k).toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
          throw new BenchException("get failed: " + e, e);
        }
        Loops.record(h, System.nanoTime() - t0);
      }
      return h;
    }

    /**
     * {@code inflight} chains of gets on one event-loop context, {@code count} gets in all: each
     * chain issues its next get in the previous one's callback (on the context: directly when the
     * callback already runs there).
     */
    Histogram onLoop(int count, int inflight) {
      if (count <= 0) {
        return Loops.newHistogram();
      }
      Recorder rec = new Recorder(Loops.HIGHEST_MICROS, 3);
      CompletableFuture<Void> done = new CompletableFuture<>();
      AtomicInteger issued = new AtomicInteger();
      AtomicInteger completed = new AtomicInteger();
      Context ctx = vertx.getOrCreateContext();
      Runnable[] issue = new Runnable[1];
      issue[0] = () -> {
        if (issued.getAndIncrement() >= count) {
          return;
        }
        int k = Math.floorMod(next.getAndIncrement(), keys);
        long t0 = System.nanoTime();
        op.apply(k).onComplete(ar -> {
          long us = (System.nanoTime() - t0) / 1000;
          rec.recordValue(Math.max(0, Math.min(us, Loops.HIGHEST_MICROS)));
          if (ar.failed()) {
            done.completeExceptionally(ar.cause());
          } else if (completed.incrementAndGet() == count) {
            done.complete(null);
          } else if (Vertx.currentContext() == ctx) {
            issue[0].run();
          } else {
            ctx.runOnContext(v -> issue[0].run());
          }
        });
      };
      ctx.runOnContext(v -> {
        for (int i = 0; i < inflight; i++) {
          issue[0].run();
        }
      });
      try {
        done.get(120, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new BenchException("gets on the event loop failed or did not finish within 120 s: " + e, e);
      }
      Histogram h = Loops.newHistogram();
      rec.getIntervalHistogramInto(h);
      return h;
    }
  }

  /** One line per row. */
  @SuppressWarnings("unchecked")
  static List<String> summary(Result r) {
    List<String> out = new ArrayList<>();
    out.add("== cache-l2 ==");
    out.add(String.format("%-28s %-28s %10s %9s %9s %9s %9s %12s %8s %8s", "path", "driver", "gets", "p50 µs", "p99 µs",
        "p99.9 µs", "max µs", "gets/s", "JVM CPU", "redis CPU"));
    for (Object o : (List<Object>) r.get("rows")) {
      Map<String, Object> m = (Map<String, Object>) o;
      Map<String, Object> l = (Map<String, Object>) m.get("latencyMs");
      out.add(String.format("%-28s %-28s %10s %9.0f %9.0f %9.0f %9.0f %12s %8s %8s", m.get("path"), m.get("driver"),
          Bench.fmt(m.get("gets")), us(l, "p50"), us(l, "p99"), us(l, "p999"), us(l, "max"), Bench.fmt(m.get("getsPerSec")),
          Bench.fmt(m.get("jvmCpuCores")), Bench.fmt(m.get("redisCpuCores"))));
    }
    if (r.get("l2Reads") != null) {
      out.add(String.format("cold cache: L1 hit rate %.5f (about 0: every cache.get read L2), L2 reads %,d of %,d gets, L2 hit rate %.5f",
          r.number("l1HitRate"), (Long) r.get("l2Reads"), (Long) r.get("cacheGets"), r.number("l2HitRate")));
    }
    return out;
  }

  private static double us(Map<String, Object> latency, String key) {
    return ((Number) latency.get(key)).doubleValue() * 1000;
  }
}
