package dev.tributary.jmh;

import dev.tributary.cache.internal.RedisTieredCache;
import dev.tributary.cache.internal.TieredCacheSettings;
import dev.tributary.redis.RedisLink;
import dev.tributary.redis.RedisPipeline;
import dev.tributary.redis.RedisSettings;
import dev.tributary.support.Clock;
import dev.tributary.testing.RedisServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * L2 get latency percentiles of {@link RedisTieredCache} against a real {@code redis-server} on
 * loopback (docs/PERFORMANCE-REDIS.md), with HdrHistogram: every get misses L1 (a cache whose L1
 * holds at most 16 entries for at most 1 ms, keys read round robin over {@value #KEYS} keys that
 * are all in Redis) and hits L2.
 *
 * <p>Each path is measured three ways: sequential from a plain thread (waits on the future: pays
 * a thread hand-off per get), sequential from a Vert.x event loop (next get issued in the
 * completion callback, as the server's own code would), and {@code inflight} gets kept in flight
 * from one event loop (throughput and latency under load). The same is done with the layers
 * underneath, to attribute the cost:
 *
 * <ul>
 *   <li>{@code cache.get}: the whole L2 path ({@code RedisTieredCache.get}: single-flight map,
 *       {@code GET}+{@code PTTL} through the link's pipelined connections, L1 fill, completion on the caller's
 *       context);
 *   <li>{@code link.batchPipelined}: {@code RedisLink.batchPipelined(GET, PTTL)}, what the cache
 *       reads through (circuit breaker + the link's per-event-loop {@link RedisPipeline});
 *   <li>{@code pipeline.batch}, {@code pipeline.send}: a {@link RedisPipeline} alone, one per event
 *       loop, no breaker ({@code GET}+{@code PTTL}, and {@code GET} alone);
 *   <li>{@code link.batch}: {@code RedisLink.batch(GET, PTTL)} (circuit breaker + pooled client);
 *   <li>{@code raw.send}: one {@code GET} on a plain Vert.x Redis client (same pool settings), no
 *       breaker;
 *   <li>what-ifs: the same with 32 pooled connections, and with one connection shared by every
 *       caller (requests pipelined on it).
 * </ul>
 *
 * <p>Run: {@code java -cp "$(cat target/cp.txt):target/classes:target/test-classes"
 * dev.tributary.jmh.CacheL2Latency [n=20000] [warmup=5000] [inflight=8,64] [paths=cache.get,raw.send]}
 * ({@code paths}: only the paths whose name starts with one of these prefixes; default all). Everything, the Redis
 * client included, shares the machine with redis-server; the process's and redis-server's CPU
 * over each concurrent phase are printed so that the limit can be told apart.
 */
public final class CacheL2Latency {
  static final int KEYS = 20_000;
  static final String VALUE = CacheBenchmark.VALUE;

  private CacheL2Latency() {}

  public static void main(String[] args) throws Exception {
    try {
      run(args);
    } catch (Exception e) {
      // Without this the JVM would wait forever on the Vert.x threads that were never closed.
      e.printStackTrace();
      System.exit(1);
    }
  }

  static void run(String[] args) throws Exception {
    int n = intArg(args, "n", 20_000);
    int warmup = intArg(args, "warmup", 5_000);
    int[] inflights = java.util.Arrays.stream(strArg(args, "inflight", "8,64").split(",")).mapToInt(Integer::parseInt).toArray();
    int inflight = inflights[inflights.length - 1];
    int loops = intArg(args, "loops", 2);
    List<String> only = List.of(strArg(args, "paths", "").split(","));
    System.out.printf(Locale.ROOT, "CacheL2Latency n=%d warmup=%d inflight=%s vertxEventLoops=%d nproc=%d jdk=%s%n",
        n, warmup, java.util.Arrays.toString(inflights), loops, Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.version"));
    try (RedisServer redis = RedisServer.start()) {
      long redisPid = findRedisPid(redis.port());
      Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(loops));
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      RedisLink link = new RedisLink(vertx, "bench", new RedisSettings().setUrl(redis.url()), registry);
      link.start().await(10, TimeUnit.SECONDS);
      Redis raw = Redis.createClient(vertx, new RedisOptions().setConnectionString(redis.url())
          .setMaxPoolSize(RedisSettings.DEFAULT_POOL_SIZE).setMaxPoolWaiting(RedisSettings.DEFAULT_MAX_POOL_WAITING));
      RedisTieredCache cold = new RedisTieredCache("cold", link,
          new TieredCacheSettings().setL1MaxEntries(16).setL1MaxTtlMillis(1), Clock.SYSTEM, registry);
      cold.ready().await(10, TimeUnit.SECONDS);

      String[] keys = new String[KEYS];
      String[] rawKeys = new String[KEYS];
      List<Request> sets = new ArrayList<>();
      for (int k = 0; k < KEYS; k++) {
        keys[k] = "state:cold" + k + "\0sensor\0k";
        rawKeys[k] = TieredCacheSettings.DEFAULT_KEY_PREFIX + "cold:" + keys[k];
        sets.add(Request.cmd(Command.SET).arg(rawKeys[k]).arg(VALUE).arg("PX").arg(3_600_000));
        if (sets.size() == 1000) {
          link.batch(sets).await(10, TimeUnit.SECONDS);
          sets = new ArrayList<>();
        }
      }
      AtomicInteger next = new AtomicInteger();
      Function<Integer, Future<?>> cacheGet = k -> cold.get(keys[k]).map(v -> {
        if (v == null) {
          throw new IllegalStateException("L2 miss of " + k);
        }
        return v;
      });
      Function<Integer, Future<?>> linkBatch = k -> link.batch(List.of(Request.cmd(Command.GET).arg(rawKeys[k]),
          Request.cmd(Command.PTTL).arg(rawKeys[k])));
      Function<Integer, Future<?>> rawGet = k -> raw.send(Request.cmd(Command.GET).arg(rawKeys[k]));
      // What-ifs for the pool: 32 pooled connections; one connection shared by every caller (pipelined).
      Redis raw32 = Redis.createClient(vertx, new RedisOptions().setConnectionString(redis.url())
          .setMaxPoolSize(32).setMaxPoolWaiting(RedisSettings.DEFAULT_MAX_POOL_WAITING));
      Function<Integer, Future<?>> raw32Get = k -> raw32.send(Request.cmd(Command.GET).arg(rawKeys[k]));
      Redis rawPipe = Redis.createClient(vertx, new RedisOptions().setConnectionString(redis.url())
          .setMaxPoolSize(1).setMaxWaitingHandlers(4096));
      io.vertx.redis.client.RedisConnection pipe = rawPipe.connect().await(10, TimeUnit.SECONDS);
      Function<Integer, Future<?>> pipeGet = k -> pipe.send(Request.cmd(Command.GET).arg(rawKeys[k]));

      // The pipelined layers the cache reads through: with the link's breaker, and RedisPipeline alone.
      Function<Integer, Future<?>> linkBatchPipelined = k -> link.batchPipelined(List.of(Request.cmd(Command.GET).arg(rawKeys[k]),
          Request.cmd(Command.PTTL).arg(rawKeys[k])));
      RedisPipeline lanes = RedisPipeline.perEventLoop(vertx, "bench", redis.url(), 2000, 0, List.of());
      Function<Integer, Future<?>> pipelineBatch = k -> lanes.batch(List.of(Request.cmd(Command.GET).arg(rawKeys[k]),
          Request.cmd(Command.PTTL).arg(rawKeys[k])));
      Function<Integer, Future<?>> pipelineSend = k -> lanes.send(Request.cmd(Command.GET).arg(rawKeys[k]));

      String[] names = {"cache.get", "link.batchPipelined", "pipeline.batch", "pipeline.send", "link.batch", "raw.send",
          "raw.send, pool 32", "one connection, pipelined"};
      List<Function<Integer, Future<?>>> ops = List.of(cacheGet, linkBatchPipelined, pipelineBatch, pipelineSend, linkBatch,
          rawGet, raw32Get, pipeGet);
      List<String> rows = new ArrayList<>();
      rows.add("| path | driver | gets | p50 µs | p90 µs | p99 µs | p99.9 µs | max µs | gets/s | JVM CPU | redis CPU |");
      rows.add("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
      for (int o = 0; o < ops.size(); o++) {
        Function<Integer, Future<?>> op = ops.get(o);
        String pathName = names[o];
        if (!only.get(0).isEmpty() && only.stream().noneMatch(pathName::startsWith)) {
          continue;
        }
        // warm-up of this path in every driver
        sequentialThread(op, next, warmup);
        sequentialLoop(vertx, op, next, warmup);
        concurrentLoop(vertx, op, next, warmup, inflight);
        rows.add(row(names[o], "plain thread, 1 in flight", measure(redisPid, () -> sequentialThread(op, next, n))));
        rows.add(row(names[o], "event loop, 1 in flight", measure(redisPid, () -> sequentialLoop(vertx, op, next, n))));
        for (int f : inflights) {
          rows.add(row(names[o], "event loop, " + f + " in flight",
              measure(redisPid, () -> concurrentLoop(vertx, op, next, n * 2, f))));
        }
      }
      rows.forEach(System.out::println);
      System.out.printf(Locale.ROOT, "cold cache: L1 hit rate %.5f (must be ~0: every cache.get went to L2), L2 reads %d, L2 hit rate %.5f%n",
          cold.l1HitRate(), cold.l2Requests(), cold.l2HitRate());
      cold.close().await(10, TimeUnit.SECONDS);
      raw.close().await(10, TimeUnit.SECONDS);
      raw32.close().await(10, TimeUnit.SECONDS);
      pipe.close().await(10, TimeUnit.SECONDS);
      lanes.close().await(10, TimeUnit.SECONDS);
      rawPipe.close().await(10, TimeUnit.SECONDS);
      link.close().await(10, TimeUnit.SECONDS);
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  interface Phase {
    Histogram run() throws Exception;
  }

  record Measured(Histogram h, double seconds, double jvmCpu, double redisCpu) {}

  static Measured measure(long redisPid, Phase p) throws Exception {
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    long cpu0 = os.getProcessCpuTime();
    long r0 = procCpuNanos(redisPid);
    long t0 = System.nanoTime();
    Histogram h = p.run();
    long t1 = System.nanoTime();
    long cpu1 = os.getProcessCpuTime();
    long r1 = procCpuNanos(redisPid);
    double s = (t1 - t0) / 1e9;
    return new Measured(h, s, (cpu1 - cpu0) / 1e9 / s, r0 < 0 || r1 < 0 ? Double.NaN : (r1 - r0) / 1e9 / s);
  }

  static String row(String path, String driver, Measured m) {
    Histogram h = m.h();
    return String.format(Locale.ROOT, "| `%s` | %s | %,d | %.0f | %.0f | %.0f | %.0f | %.0f | %,.0f | %.2f | %.2f |",
        path, driver, h.getTotalCount(), us(h, 50), us(h, 90), us(h, 99), us(h, 99.9), h.getMaxValue() / 1000.0,
        h.getTotalCount() / m.seconds(), m.jvmCpu(), m.redisCpu());
  }

  static double us(Histogram h, double pct) {
    return h.getValueAtPercentile(pct) / 1000.0;
  }

  static Histogram newHistogram() {
    return new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
  }

  /** One get at a time from this (non-Vert.x) thread, waiting on each future. */
  static Histogram sequentialThread(Function<Integer, Future<?>> op, AtomicInteger next, int count) throws Exception {
    Histogram h = newHistogram();
    for (int i = 0; i < count; i++) {
      int k = Math.floorMod(next.getAndIncrement(), KEYS);
      long t0 = System.nanoTime();
      op.apply(k).toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
      h.recordValue(Math.min(System.nanoTime() - t0, h.getHighestTrackableValue()));
    }
    return h;
  }

  /** One get at a time on an event-loop context: the next is issued in the previous one's callback. */
  static Histogram sequentialLoop(Vertx vertx, Function<Integer, Future<?>> op, AtomicInteger next, int count)
      throws Exception {
    return concurrentLoop(vertx, op, next, count, 1);
  }

  /** {@code inflight} chains of gets on one event-loop context, {@code count} gets in all. */
  static Histogram concurrentLoop(Vertx vertx, Function<Integer, Future<?>> op, AtomicInteger next, int count,
      int inflight) throws Exception {
    Recorder rec = new Recorder(TimeUnit.SECONDS.toNanos(10), 3);
    CompletableFuture<Void> done = new CompletableFuture<>();
    AtomicInteger issued = new AtomicInteger();
    AtomicInteger completed = new AtomicInteger();
    Context ctx = vertx.getOrCreateContext();
    Runnable[] issue = new Runnable[1];
    issue[0] = () -> {
      if (issued.getAndIncrement() >= count) {
        return;
      }
      int k = Math.floorMod(next.getAndIncrement(), KEYS);
      long t0 = System.nanoTime();
      op.apply(k).onComplete(ar -> {
        rec.recordValue(Math.min(System.nanoTime() - t0, TimeUnit.SECONDS.toNanos(10)));
        if (ar.failed()) {
          done.completeExceptionally(ar.cause());
          return;
        }
        if (completed.incrementAndGet() == count) {
          done.complete(null);
        } else if (Vertx.currentContext() != null
            && ((io.vertx.core.internal.ContextInternal) Vertx.currentContext()).nettyEventLoop()
                == ((io.vertx.core.internal.ContextInternal) ctx).nettyEventLoop()) {
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
    done.get(120, TimeUnit.SECONDS);
    Histogram h = newHistogram();
    rec.getIntervalHistogramInto(h);
    return h;
  }

  /** The pid of the redis-server listening on {@code port}, or -1. */
  static long findRedisPid(int port) {
    try (var dirs = Files.list(Path.of("/proc"))) {
      for (Path d : (Iterable<Path>) dirs::iterator) {
        String name = d.getFileName().toString();
        if (!name.chars().allMatch(Character::isDigit)) {
          continue;
        }
        try {
          String cmd = new String(Files.readAllBytes(d.resolve("cmdline"))).replace('\0', ' ');
          // redis-server rewrites its title to "<binary> 127.0.0.1:<port>"
          if (cmd.contains("redis-server") && (cmd.contains("--port " + port + " ") || cmd.contains(":" + port))) {
            return Long.parseLong(name);
          }
        } catch (Exception ignored) {
          // gone or not ours
        }
      }
    } catch (Exception ignored) {
      // no /proc
    }
    return -1;
  }

  /** utime + stime of a process from /proc, in ns (assumes USER_HZ 100), or -1. */
  static long procCpuNanos(long pid) {
    if (pid < 0) {
      return -1;
    }
    try {
      String s = Files.readString(Path.of("/proc/" + pid + "/stat"));
      String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
      return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10_000_000L;
    } catch (Exception e) {
      return -1;
    }
  }

  static String strArg(String[] args, String key, String def) {
    for (String a : args) {
      if (a.startsWith(key + "=")) {
        return a.substring(key.length() + 1);
      }
    }
    return def;
  }

  static int intArg(String[] args, String key, int def) {
    for (String a : args) {
      if (a.startsWith(key + "=")) {
        return Integer.parseInt(a.substring(key.length() + 1));
      }
    }
    return def;
  }
}
