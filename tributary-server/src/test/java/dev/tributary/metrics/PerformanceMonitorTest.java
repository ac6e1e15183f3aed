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
        .put("gateway", new JsonObject().put("slowConsumerClosesLastMinute", slow))
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
  void hybridLatencyWithinItsBatchWindowIsNotSlow() {
    // HYBRID: the latency includes the 100 ms window by design; p99 at 130 ms is the window plus 30 ms.
    JsonObject s = status(130, 0.9, 100, false, 0);
    s.getJsonObject("coordinator").put("batchingEnabled", true);
    s.getJsonObject("batch").put("windowMillis", 100);
    assertThat(PerformanceMonitor.insights(s)).isEmpty();
    s.getJsonObject("coordinator").getJsonObject("latencyMillis").put("p99", 230.0);
    JsonObject slow = PerformanceMonitor.insights(s).getJsonObject(0);
    assertThat(slow.getString("id")).isEqualTo("high-coordination-latency");
    assertThat(slow.getDouble("threshold")).isEqualTo(100 + PerformanceMonitor.HIGH_LATENCY_P99_MILLIS);
  }

  @Test
  void shedConnectionsAreNotAlsoCountedAsSlowConsumers() {
    JsonObject s = status(1, 0.9, 100, false, 2);
    s.getJsonObject("gateway").put("shedLastMinute", 2L);
    assertThat(ids(PerformanceMonitor.insights(s))).containsExactly("shed-connections");
  }

  @Test
  void aSaturatedLoopWithSmallFramesGetsTheFlushBoundRecommendation() {
    JsonObject s = status(1, 0.9, 100, false, 0);
    s.getJsonObject("gateway").put("deliveriesPerFrame", 1.5).put("flushDelayMillis", 2)
        .put("eventLoops", new JsonArray().add(new JsonObject().put("busy", 0.2).put("cpu", 0.2))
            .add(new JsonObject().put("busy", 0.97).put("cpu", 0.9)));
    JsonArray all = PerformanceMonitor.insights(s);
    assertThat(ids(all)).containsExactly("event-loop-saturated", "flush-bound");
    assertThat(all.getJsonObject(0).getString("message")).startsWith("Gateway event loop 1 ");
    assertThat(all.getJsonObject(1).getString("recommendation")).contains("from 2 to 5");
    // Full frames already, or a bound already long: nothing to gain from the flush bound.
    s.getJsonObject("gateway").put("deliveriesPerFrame", 40.0);
    assertThat(ids(PerformanceMonitor.insights(s))).containsExactly("event-loop-saturated");
  }

  @Test
  void aLongFlushDelayThatCoalescesNothingIsReported() {
    JsonObject s = status(1, 0.9, 100, false, 0);
    s.getJsonObject("gateway").put("deliveriesPerFrame", 1.0).put("flushDelayMillis", 10).put("deliveriesPerSec", 3.0);
    assertThat(ids(PerformanceMonitor.insights(s))).containsExactly("flush-delay-without-gain");
    s.getJsonObject("gateway").put("flushDelayMillis", 2);
    assertThat(PerformanceMonitor.insights(s)).isEmpty();
  }

  @Test
  void aChannelIsHotFromItsRateAndItsShareOfDeliveries() {
    JsonObject s = status(1, 0.9, 100, false, 0);
    s.getJsonObject("gateway").put("deliveriesPerSecLastSecond", 3000.0)
        .put("hotChannels", new JsonArray().add(new JsonObject().put("channel", "news").put("deliveriesPerSec", 2000.0)));
    JsonArray all = PerformanceMonitor.insights(s);
    assertThat(ids(all)).containsExactly("hot-channel");
    assertThat(all.getJsonObject(0).getString("message")).contains("news").contains("67 %");
    s.getJsonObject("gateway").put("deliveriesPerSecLastSecond", 5000.0); // 40 %: one busy channel among others
    assertThat(PerformanceMonitor.insights(s)).isEmpty();
  }

  @Test
  void hitRateNeedsEnoughLookups() {
    assertThat(ids(PerformanceMonitor.insights(status(1, 0.0, 5, false, 0)))).isEmpty();
  }
}
