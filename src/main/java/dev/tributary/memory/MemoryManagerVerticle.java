package dev.tributary.memory;

import dev.tributary.bus.Addresses;
import dev.tributary.bus.MemoryPressure;
import dev.tributary.cache.TieredCache;
import dev.tributary.config.MemoryOptions;
import dev.tributary.metrics.MetricNames;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryUsage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The memory manager: a periodic sweep asks the coordinator to unregister modules inactive for
 * longer than the threshold (and drop their coalesced state); a heap check turns heap use into a
 * pressure state ({@link HeapWatch}, with hysteresis) and publishes every change on
 * {@link Addresses#MEMORY_PRESSURE}: the coordination cache shrinks to half its bound, and the
 * gateway refuses new connections (1013) and sheds its slowest consumers, until use falls below
 * the low watermark. A forced cleanup is available over the bus (and the HTTP admin API).
 *
 * <p>One instance on one event loop; reading the heap's figures from the MXBean does not block.
 */
public final class MemoryManagerVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(MemoryManagerVerticle.class);

  private final MemoryOptions options;
  private final TieredCache cache;
  private final MeterRegistry registry;
  private final MemoryMXBean heap = ManagementFactory.getMemoryMXBean();
  private HeapWatch watch;
  private long lastUsed;
  private long lastMax;
  private long pressureEpisodes;
  private Counter cleanups;

  public MemoryManagerVerticle(MemoryOptions options, TieredCache cache, MeterRegistry registry) {
    this.options = options;
    this.cache = cache;
    this.registry = registry;
  }

  @Override
  public Future<?> start() {
    watch = new HeapWatch(options.getHighWatermark(), options.getLowWatermark());
    Gauge.builder(MetricNames.MEMORY_PRESSURE, this, m -> m.watch.underPressure() ? 1 : 0)
        .description("1 while under memory pressure").register(registry);
    cleanups = Counter.builder(MetricNames.MEMORY_CLEANUPS).register(registry);
    Gauge.builder(MetricNames.MEMORY_HEAP_USED, this, m -> m.lastUsed).baseUnit("bytes")
        .description("heap used at the last check").register(registry);
    vertx.setPeriodic(options.getSweepIntervalMillis(), id -> sweep(options.getInactiveThresholdMillis()));
    vertx.setPeriodic(options.getHeapCheckIntervalMillis(), id -> checkHeap());
    return Future.all(
        vertx.eventBus().consumer(Addresses.MEMORY_CLEANUP, this::forcedCleanup).completion(),
        vertx.eventBus().<JsonObject>consumer(Addresses.MEMORY_CONFIGURE, this::configure).completion(),
        vertx.eventBus().consumer(Addresses.MEMORY_STATUS, m -> m.reply(status())).completion())
        .onSuccess(v -> checkHeap());
  }

  private Future<JsonObject> sweep(long thresholdMillis) {
    return vertx.eventBus().<JsonObject>request(Addresses.COORDINATOR_SWEEP, thresholdMillis)
        .map(m -> m.body())
        .otherwise(err -> new JsonObject().put("error", err.getMessage()));
  }

  private void checkHeap() {
    MemoryUsage u = heap.getHeapMemoryUsage();
    lastUsed = u.getUsed();
    lastMax = u.getMax() > 0 ? u.getMax() : u.getCommitted();
    if (watch.update(lastUsed, lastMax)) {
      boolean p = watch.underPressure();
      if (p) {
        pressureEpisodes++;
      }
      cache.setL1Budget(p ? 0.5 : 1.0);
      log.warn("memory pressure {}: heap {} MiB of {} MiB (high {}, low {})", p ? "ON" : "OFF",
          lastUsed >> 20, lastMax >> 20, watch.high(), watch.low());
      vertx.eventBus().publish(Addresses.MEMORY_PRESSURE, new MemoryPressure(p, lastUsed, lastMax));
    }
  }

  private void forcedCleanup(Message<Object> msg) {
    cleanups.increment();
    sweep(options.getInactiveThresholdMillis()).onComplete(ar -> {
      long before = cache.l1Size();
      checkHeap();
      msg.reply(new JsonObject()
          .put("sweep", ar.result())
          .put("cacheEntries", before)
          .put("memory", status()));
    });
  }

  private void configure(Message<JsonObject> msg) {
    JsonObject c = msg.body();
    try {
      double high = c.getDouble("highWatermark", watch.high());
      double low = c.getDouble("lowWatermark", Math.min(watch.low(), high / 2));
      watch.setWatermarks(high, low);
    } catch (RuntimeException e) {
      msg.fail(400, e.getMessage());
      return;
    }
    checkHeap();
    msg.reply(status());
  }

  private JsonObject status() {
    return new JsonObject()
        .put("heapUsedBytes", lastUsed)
        .put("heapMaxBytes", lastMax)
        .put("heapUsedFraction", lastMax == 0 ? 0 : (double) lastUsed / lastMax)
        .put("underPressure", watch.underPressure())
        .put("pressureEpisodes", pressureEpisodes)
        .put("highWatermark", watch.high())
        .put("lowWatermark", watch.low())
        .put("inactiveThresholdMillis", options.getInactiveThresholdMillis())
        .put("sweepIntervalMillis", options.getSweepIntervalMillis())
        .put("forcedCleanups", (long) cleanups.count());
  }
}
