package dev.tributary.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

class PerformanceMonitorTest {
  static JsonObject status(double p99, double hitRate, long lookups, boolean pressure, long slow) {
    return new JsonObject()
        .put("coordinator", new JsonObject().put("latencyMillis", new JsonObject().put("p99", p99))
            .put("cacheHitRate", hitRate).put("cacheLookups", lookups).put("cacheEnabled", true).put("pendingUpdates", 0))
        .put("memory", new JsonObject().put("underPressure", pressure).put("heapUsedFraction", 0.3).put("highWatermark", 0.85))
        .put("gateway", new JsonObject().put("slowConsumerCloses", slow))
        .put("batch", new JsonObject().put("queueDepth", 0).put("maxSize", 50));
  }

  static JsonArray ids(JsonArray insights) {
    JsonArray ids = new JsonArray();
    insights.forEach(i -> ids.add(((JsonObject) i).getString("id")));
    return ids;
  }

  @Test
  void healthyFiguresGiveNoInsight() {
    assertThat(PerformanceMonitor.insights(status(3, 0.9, 100, false, 0))).isEmpty();
  }

  @Test
  void eachThresholdTriggersItsInsightWithValueAndThreshold() {
    JsonArray all = PerformanceMonitor.insights(status(250, 0.2, 100, true, 3));
    assertThat(ids(all)).containsExactly("memory-pressure", "high-coordination-latency", "low-cache-hit-rate", "slow-consumers");
    JsonObject latency = all.getJsonObject(1);
    assertThat(latency.getDouble("value")).isEqualTo(250.0);
    assertThat(latency.getDouble("threshold")).isEqualTo(PerformanceMonitor.HIGH_LATENCY_P99_MILLIS);
    assertThat(latency.getString("recommendation")).isNotBlank();
  }

  @Test
  void hitRateNeedsEnoughLookups() {
    assertThat(ids(PerformanceMonitor.insights(status(1, 0.0, 5, false, 0)))).isEmpty();
  }
}
