package dev.tributary.metrics;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Turns the live status figures into insights and recommendations, each with the value and the
 * threshold that triggered it (the source document's {@code getInsights()}). Pure: the status is
 * gathered by the API handler; thresholds are constants here so the docs and tests can name them.
 */
public final class PerformanceMonitor {
  /** Pipeline latency p99 above which coordination counts as slow, ms (the seed's 100 ms). */
  public static final double HIGH_LATENCY_P99_MILLIS = 100;
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
    if (p99 > HIGH_LATENCY_P99_MILLIS) {
      out.add(insight("high-coordination-latency", "warning",
          "High coordination latency detected - consider optimizing module communication", p99, HIGH_LATENCY_P99_MILLIS,
          "Switch to MANUAL (no batch window) or lower coordinator.batchWindowMillis"));
    }
    long lookups = coord.getLong("cacheLookups", 0L);
    double hitRate = coord.getDouble("cacheHitRate", 1.0);
    if (coord.getBoolean("cacheEnabled", true) && lookups >= MIN_LOOKUPS && hitRate < LOW_HIT_RATE) {
      out.add(insight("low-cache-hit-rate", "info", "Low cache hit rate - consider adjusting cache TTL or strategy",
          hitRate, LOW_HIT_RATE, "Raise coordinator.cacheTtlMillis so state outlives the gap between subscribes"));
    }
    long slow = gw.getLong("slowConsumerCloses", 0L);
    if (slow > 0) {
      out.add(insight("slow-consumers", "warning", "Slow consumers were closed (3008)", slow, 0,
          "Clients cannot keep up: raise gateway.maxQueueBytes, batch more (gateway.batch.maxMessages), or publish less"));
    }
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

  private static JsonObject insight(String id, String severity, String message, Object value, Object threshold,
      String recommendation) {
    return new JsonObject().put("id", id).put("severity", severity).put("message", message)
        .put("value", value).put("threshold", threshold).put("recommendation", recommendation);
  }
}
