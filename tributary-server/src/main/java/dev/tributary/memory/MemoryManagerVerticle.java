package dev.tributary.memory;

import dev.tributary.bus.Addresses;
import dev.tributary.bus.MemoryPressure;
import dev.tributary.cache.TieredCache;
import dev.tributary.config.MemoryOptions;
import dev.tributary.metrics.MetricNames;
import com.sun.management.GarbageCollectionNotificationInfo;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;
import javax.management.ListenerNotFoundException;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The memory manager: a periodic sweep asks the coordinator to unregister modules inactive for
 * longer than the threshold (and drop their coalesced state); a heap check turns the live heap
 * into a pressure state ({@link HeapWatch}, with hysteresis) and publishes every change on
 * {@link Addresses#MEMORY_PRESSURE}: the coordination cache shrinks to half its bound, and the
 * gateway refuses new connections (1013) and sheds its slowest consumers, until the live heap falls
 * below the low watermark. A forced cleanup is available over the bus (and the HTTP admin API).
 *
 * <p>The live heap comes from the collectors' notifications (heap pools' usage after each
 * collection, {@code com.sun.management.GarbageCollectionNotificationInfo}); each one is followed by
 * a check. Under pressure, with {@code memory.requestGc}, it asks for a collection at most once per
 * sweep interval, so that a quiet server's garbage does not hold pressure on.
 *
 * <p>One instance on one event loop; reading the heap's figures from the MXBean does not block.
 * Notifications arrive on the JVM's notification thread and are handed to the event loop;
 * {@code System.gc()} runs on a thread of its own, never on an event loop.
 */
public final class MemoryManagerVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(MemoryManagerVerticle.class);

  private final MemoryOptions options;
  private final TieredCache cache;
  private final MeterRegistry registry;
  private final MemoryMXBean heap = ManagementFactory.getMemoryMXBean();
  private final Runnable gc;
  private final List<NotificationEmitter> emitters = new ArrayList<>();
  private final NotificationListener gcListener = (n, handback) -> onGcNotification(n.getType(), n.getUserData());
  private Context context;
  private ExecutorService gcThread;
  private boolean gcInFlight;
  private Set<String> heapPools;
  private HeapWatch watch;
  private long lastUsed;
  private long lastMax;
  private long pressureEpisodes;
  private long heapChecks;
  private Counter cleanups;

  public MemoryManagerVerticle(MemoryOptions options, TieredCache cache, MeterRegistry registry) {
    this(options, cache, registry, System::gc);
  }

  /** @param gc what asking for a collection does ({@code System::gc}; tests count the calls) */
  MemoryManagerVerticle(MemoryOptions options, TieredCache cache, MeterRegistry registry, Runnable gc) {
    this.options = options;
    this.cache = cache;
    this.registry = registry;
    this.gc = gc;
  }

  @Override
  public Future<?> start() {
    context = vertx.getOrCreateContext();
    watch = new HeapWatch(options.getHighWatermark(), options.getLowWatermark(), options.isRequestGc());
    heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
        .filter(p -> p.getType() == MemoryType.HEAP).map(MemoryPoolMXBean::getName).collect(Collectors.toUnmodifiableSet());
    seedFromLastGc();
    warnIfOldGenTooSmall();
    gcThread = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "tributary-gc-request");
      t.setDaemon(true);
      return t;
    });
    Gauge.builder(MetricNames.MEMORY_PRESSURE, this, m -> m.watch.underPressure() ? 1 : 0)
        .description("1 while under memory pressure").register(registry);
    cleanups = Counter.builder(MetricNames.MEMORY_CLEANUPS).register(registry);
    Gauge.builder(MetricNames.MEMORY_HEAP_USED, this, m -> m.lastUsed).baseUnit("bytes")
        .description("heap used at the last check").register(registry);
    Gauge.builder(MetricNames.MEMORY_HEAP_LIVE, this, m -> m.watch.reading()).baseUnit("bytes")
        .description("live heap that memory pressure is decided on: min(used after the last GC, used now)").register(registry);
    vertx.setPeriodic(options.getSweepIntervalMillis(), id -> sweep(options.getInactiveThresholdMillis()));
    vertx.setPeriodic(options.getHeapCheckIntervalMillis(), id -> checkHeap());
    return Future.all(
        vertx.eventBus().consumer(Addresses.MEMORY_CLEANUP, this::forcedCleanup).completion(),
        vertx.eventBus().<JsonObject>consumer(Addresses.MEMORY_CONFIGURE, this::configure).completion(),
        vertx.eventBus().consumer(Addresses.MEMORY_STATUS, m -> m.reply(status())).completion())
        .onSuccess(v -> {
          for (GarbageCollectorMXBean b : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (b instanceof NotificationEmitter e) {
              e.addNotificationListener(gcListener, null, null);
              emitters.add(e);
            }
          }
          checkHeap();
        });
  }

  @Override
  public Future<?> stop() {
    for (NotificationEmitter e : emitters) {
      try {
        e.removeNotificationListener(gcListener);
      } catch (ListenerNotFoundException ignored) {
        // already gone
      }
    }
    emitters.clear();
    gcThread.shutdownNow();
    return Future.succeededFuture();
  }

  private void warnIfOldGenTooSmall() {
    Map<String, Long> poolMax = new HashMap<>();
    for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
      if (p.getType() == MemoryType.HEAP) {
        poolMax.put(p.getName(), p.getUsage().getMax());
      }
    }
    MemoryUsage u = heap.getHeapMemoryUsage();
    String warning = HeapWatch.oldGenWarning(watch.high(), u.getMax() > 0 ? u.getMax() : u.getCommitted(), poolMax);
    if (warning != null) {
      log.warn(warning);
    }
  }

  /** The most recent collection before this verticle started, if any, is the first live reading. */
  private void seedFromLastGc() {
    com.sun.management.GcInfo last = null;
    for (GarbageCollectorMXBean b : ManagementFactory.getGarbageCollectorMXBeans()) {
      if (b instanceof com.sun.management.GarbageCollectorMXBean ext && !b.getName().endsWith("Pauses")) {
        com.sun.management.GcInfo info = ext.getLastGcInfo();
        if (info != null && (last == null || info.getEndTime() > last.getEndTime())) {
          last = info;
        }
      }
    }
    if (last != null) {
      watch.afterGc(HeapWatch.liveHeapBytes(last.getMemoryUsageAfterGc(), heapPools));
    }
  }

  /** On the JVM's notification thread: hands the heap used after the collection to the event loop. */
  private void onGcNotification(String type, Object userData) {
    if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(type)
        || !(userData instanceof CompositeData data)) {
      return;
    }
    GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from(data);
    // ZGC reports its pauses apart from its cycles; usage "after" a pause is not after reclaiming.
    if (info.getGcName().endsWith("Pauses")) {
      return;
    }
    long live = HeapWatch.liveHeapBytes(info.getGcInfo().getMemoryUsageAfterGc(), heapPools);
    try {
      context.runOnContext(v -> {
        watch.afterGc(live);
        checkHeap();
      });
    } catch (RuntimeException closing) {
      // Vert.x is closing (the listener goes in stop()); a listener that threw would keep the
      // notification from the collector's other listeners.
    }
  }

  private Future<JsonObject> sweep(long thresholdMillis) {
    return vertx.eventBus().<JsonObject>request(Addresses.COORDINATOR_SWEEP, thresholdMillis)
        .map(m -> m.body())
        .otherwise(err -> new JsonObject().put("error", err.getMessage()));
  }

  private void checkHeap() {
    heapChecks++;
    MemoryUsage u = heap.getHeapMemoryUsage();
    lastUsed = u.getUsed();
    lastMax = u.getMax() > 0 ? u.getMax() : u.getCommitted();
    if (watch.update(lastUsed, lastMax)) {
      boolean p = watch.underPressure();
      if (p) {
        pressureEpisodes++;
      }
      cache.setL1Budget(p ? 0.5 : 1.0);
      log.warn("memory pressure {}: live heap {} MiB of {} MiB, used now {} MiB (high {}, low {})", p ? "ON" : "OFF",
          watch.reading() >> 20, lastMax >> 20, lastUsed >> 20, watch.high(), watch.low());
      vertx.eventBus().publish(Addresses.MEMORY_PRESSURE, new MemoryPressure(p, watch.reading(), lastMax));
    }
    if (options.isRequestGc() && !gcInFlight
        && watch.shouldRequestGc(System.nanoTime() / 1_000_000, options.getSweepIntervalMillis())) {
      requestGc();
    }
  }

  /** Runs {@link #gc} on its own thread (a full collection can take long), then checks again. */
  private void requestGc() {
    gcInFlight = true;
    try {
      gcThread.execute(() -> {
        try {
          gc.run();
        } finally {
          try {
            context.runOnContext(v -> {
              gcInFlight = false;
              checkHeap();
            });
          } catch (RuntimeException closing) {
            // Vert.x closed while the collection ran: nothing left to check
          }
        }
      });
    } catch (java.util.concurrent.RejectedExecutionException stopped) {
      gcInFlight = false;
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
        .put("liveHeapBytes", watch.reading())
        .put("liveHeapFraction", lastMax == 0 ? 0 : (double) watch.reading() / lastMax)
        .put("heapAfterLastGcBytes", watch.liveAfterGc())
        .put("heapChecks", heapChecks)
        .put("gcsSeen", watch.gcsSeen())
        .put("gcRequests", watch.gcRequests())
        .put("requestGc", options.isRequestGc())
        .put("underPressure", watch.underPressure())
        .put("pressureEpisodes", pressureEpisodes)
        .put("highWatermark", watch.high())
        .put("lowWatermark", watch.low())
        .put("inactiveThresholdMillis", options.getInactiveThresholdMillis())
        .put("sweepIntervalMillis", options.getSweepIntervalMillis())
        .put("forcedCleanups", (long) cleanups.count());
  }
}
