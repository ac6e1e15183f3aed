package dev.tributary.metrics;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Turns the live status figures into insights and recommendations, each with the value and the
 * threshold that triggered it (the source document's {@code getInsights()}). Pure: the status is
 * gathered by the API handler; thresholds are constants here so the docs and tests can name them.
 */
public final class PerformanceMonitor {
  /**
   * Coordination latency p99 beyond the batch window in force above which coordination counts as
   * slow, ms (the seed's 100 ms). The latency includes the window's wait by design (HYBRID: 100 ms,
   * FULLY_AUTO: half), so the window itself is never reported as slowness.
   */
  public static final double HIGH_LATENCY_P99_MILLIS = 100;
  /** Fraction of the last second an event loop ran or waited for a core above which it is saturated. */
  public static final double SATURATED_BUSY = 0.9;
  /** Deliveries per frame below which a saturated loop would gain from a longer flush bound. */
  public static final double SMALL_FRAMES = 4;
  /** The flush bound {@code flush-bound} recommends, ms (docs/PERFORMANCE.md: 20-30 % less CPU per delivery). */
  public static final int RECOMMENDED_FLUSH_DELAY_MILLIS = 5;
  /** Deliveries per frame at or below which a flush delay of 5 ms or more coalesces nothing. */
  public static final double NO_COALESCING = 1.2;
  /** Deliveries per second (10 s average) needed before deliveries per frame mean anything. */
  public static final double MIN_DELIVERIES_PER_SEC = 0.5;
  /** Deliveries per second of one channel, over the last second, from which it can be hot. */
  public static final double HOT_CHANNEL_DELIVERIES_PER_SEC = 1000;
  /** Share of the node's deliveries over the last second that makes such a channel hot. */
  public static final double HOT_CHANNEL_SHARE = 0.5;
  /** Cache hit rate below which the cache is not paying off (the seed's 0.5). */
  public static final double LOW_HIT_RATE = 0.5;
  /** Cache lookups needed before the hit rate means anything. */
  public static final long MIN_LOOKUPS = 20;
  /** Heap fraction that earns a warning before pressure starts. */
  public static final double HIGH_HEAP_FRACTION = 0.75;
  /** Pending debounced updates that suggest modules update faster than they need. */
  public static final int MANY_PENDING = 1000;

  private PerformanceMonitor() {}

  /**
   * @param status the JSON of {@code GET /api/status}
   * @return insights, most severe first
   */
  public static JsonArray insights(JsonObject status) {
    JsonArray out = new JsonArray();
    JsonObject coord = status.getJsonObject("coordinator", new JsonObject());
    JsonObject mem = status.getJsonObject("memory", new JsonObject());
    JsonObject gw = status.getJsonObject("gateway", new JsonObject());
    JsonObject batch = status.getJsonObject("batch", new JsonObject());

    if (mem.getBoolean("underPressure", false)) {
      out.add(insight("memory-pressure", "critical", "Memory pressure: new connections are refused (1013) and slow consumers shed",
          mem.getDouble("liveHeapFraction", mem.getDouble("heapUsedFraction", 0.0)), mem.getValue("highWatermark"),
          "Raise the heap (-Xmx), lower gateway.maxQueueBytes or coordinator.cacheMaxEntries, or add nodes"));
    } else if (mem.getDouble("heapUsedFraction", 0.0) > HIGH_HEAP_FRACTION) {
      out.add(insight("high-heap", "warning", "Heap use is high", mem.getDouble("heapUsedFraction", 0.0),
          HIGH_HEAP_FRACTION, "Watch for memory pressure; consider a larger heap"));
    }
    double p99 = coord.getJsonObject("latencyMillis", new JsonObject()).getDouble("p99", 0.0);
    double window = coord.getBoolean("batchingEnabled", false) ? batch.getLong("windowMillis", 0L) : 0;
    if (p99 > window + HIGH_LATENCY_P99_MILLIS) {
      out.add(insight("high-coordination-latency", "warning",
          "Coordination latency p99 exceeds the batch window (" + (long) window + " ms) by more than "
              + (long) HIGH_LATENCY_P99_MILLIS + " ms", p99, window + HIGH_LATENCY_P99_MILLIS,
          "The coordinator or batch processor falls behind: check the event loops' load, lower the update rate, "
              + "or switch to MANUAL (no batch window)"));
    }
    long lookups = coord.getLong("cacheLookups", 0L);
    double hitRate = coord.getDouble("cacheHitRate", 1.0);
    if (coord.getBoolean("cacheEnabled", true) && lookups >= MIN_LOOKUPS && hitRate < LOW_HIT_RATE) {
      out.add(insight("low-cache-hit-rate", "info", "Low cache hit rate - consider adjusting cache TTL or strategy",
          hitRate, LOW_HIT_RATE, "Raise coordinator.cacheTtlMillis so state outlives the gap between subscribes"));
    }
    long shed = gw.getLong("shedLastMinute", 0L);
    long slow = gw.getLong("slowConsumerClosesLastMinute", 0L) - shed;
    if (slow > 0) {
      out.add(insight("slow-consumers", "warning", slow + " slow consumer(s) closed (3008) in the last minute: "
              + "their unsent bytes passed gateway.maxQueueBytes", slow, 0,
          "Clients cannot keep up: raise gateway.maxQueueBytes, batch more (gateway.batch.maxMessages), or publish less"));
    }
    if (shed > 0) {
      out.add(insight("shed-connections", "warning", shed + " connection(s) shed (3008) under memory pressure in the last minute",
          shed, 0, "Raise the heap (-Xmx) or lower gateway.maxQueueBytes so slow clients hold less"));
    }
    long limited = gw.getLong("rateLimitedLastMinute", 0L);
    if (limited > 0) {
      out.add(insight("rate-limited-clients", "info", limited + " client command(s) refused by the rate limit (error 111) "
              + "in the last minute", limited, 0,
          "If these clients are legitimate, raise gateway.rateLimit.commandsPerSecond or burst; otherwise the limit "
              + "is doing its job (clients that persist are closed with 3013)"));
    }
    loops(gw, out);
    hotChannel(gw, out);
    int pending = coord.getInteger("pendingUpdates", 0);
    if (pending > MANY_PENDING) {
      out.add(insight("many-pending-updates", "info", "Many debounced updates are pending", pending, MANY_PENDING,
          "Modules use many distinct keys; check the keys they send"));
    }
    int queue = batch.getInteger("queueDepth", 0);
    int maxSize = batch.getInteger("maxSize", Integer.MAX_VALUE);
    if (queue >= maxSize) {
      out.add(insight("batch-queue-full", "info", "The batch queue is at its size bound", queue, maxSize,
          "Raise coordinator.batchMaxSize or shorten the window"));
    }
    return out;
  }

  /** Saturated event loops, and the flush bound when fuller frames would relieve them or cost latency for nothing. */
  private static void loops(JsonObject gw, JsonArray out) {
    double perFrame = gw.getDouble("deliveriesPerFrame", 0.0);
    int delay = gw.getInteger("flushDelayMillis", 0);
    boolean saturated = false;
    JsonArray loops = gw.getJsonArray("eventLoops", new JsonArray());
    for (int i = 0; i < loops.size(); i++) {
      JsonObject l = loops.getJsonObject(i);
      double busy = l.getDouble("busy", 0.0);
      double cpu = l.getDouble("cpu", 0.0);
      if (busy >= SATURATED_BUSY) {
        saturated = true;
        boolean contended = busy - cpu > cpu;
        out.add(insight("event-loop-saturated", "warning", String.format(java.util.Locale.ROOT,
            "Gateway event loop %d was busy %.0f %% of the last second (on a core %.0f %%, waiting for one %.0f %%)",
            i, busy * 100, cpu * 100, (busy - cpu) * 100), busy, SATURATED_BUSY,
            contended ? "The loop waits for a core more than it runs: other processes compete for the CPU; give the server its own cores"
                : "Spread the load: more event loops (server.eventLoops) on more cores, or more nodes"));
      }
    }
    if (saturated && perFrame > 0 && perFrame < SMALL_FRAMES && delay < RECOMMENDED_FLUSH_DELAY_MILLIS) {
      out.add(insight("flush-bound", "info", String.format(java.util.Locale.ROOT,
          "Frames carry %.1f deliveries on average while an event loop is saturated", perFrame), perFrame, SMALL_FRAMES,
          "Raise gateway.batch.maxDelayMillis from " + delay + " to " + RECOMMENDED_FLUSH_DELAY_MILLIS
              + ": fuller frames cost less CPU per delivery, for up to " + RECOMMENDED_FLUSH_DELAY_MILLIS + " ms more latency"));
    } else if (!saturated && delay >= RECOMMENDED_FLUSH_DELAY_MILLIS && perFrame > 0 && perFrame <= NO_COALESCING
        && gw.getDouble("deliveriesPerSec", 0.0) >= MIN_DELIVERIES_PER_SEC) {
      out.add(insight("flush-delay-without-gain", "info", String.format(java.util.Locale.ROOT,
          "Frames carry %.2f deliveries on average: the %d ms flush delay adds latency without coalescing", perFrame, delay),
          perFrame, NO_COALESCING,
          "Lower gateway.batch.maxDelayMillis (0-2): at this rate each delivery is its own frame anyway"));
    }
  }

  private static void hotChannel(JsonObject gw, JsonArray out) {
    JsonArray hot = gw.getJsonArray("hotChannels", new JsonArray());
    double total = gw.getDouble("deliveriesPerSecLastSecond", 0.0);
    if (hot.isEmpty() || total <= 0) {
      return;
    }
    JsonObject top = hot.getJsonObject(0);
    double rate = top.getDouble("deliveriesPerSec", 0.0);
    if (rate >= HOT_CHANNEL_DELIVERIES_PER_SEC && rate / total >= HOT_CHANNEL_SHARE) {
      out.add(insight("hot-channel", "info", String.format(java.util.Locale.ROOT,
          "Channel %s took %.0f %% of this node's deliveries in the last second (%.0f/s)",
          top.getString("channel"), 100 * rate / total, rate), rate, HOT_CHANNEL_DELIVERIES_PER_SEC,
          "Its fan-out sets this node's load: if its subscribers need only the latest state, publish it through a "
              + "module (debounced) or less often; spread its subscribers over nodes"));
    }
  }

  private static JsonObject insight(String id, String severity, String message, Object value, Object threshold,
      String recommendation) {
    return new JsonObject().put("id", id).put("severity", severity).put("message", message)
        .put("value", value).put("threshold", threshold).put("recommendation", recommendation);
  }
}
