package dev.tributary.memory;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.bus.Addresses;
import dev.tributary.bus.LocalCodec;
import dev.tributary.cache.internal.LocalTieredCache;
import dev.tributary.config.MemoryOptions;
import dev.tributary.support.Clock;
import dev.tributary.testing.Poll;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code memory.requestGc}: who asks for a collection, when, and on which thread. */
class MemoryManagerVerticleTest {
  private final Vertx vertx = Vertx.vertx();
  /** One entry per requested collection: the thread it ran on, and whether that was an event loop. */
  private final List<String> gcCalls = new CopyOnWriteArrayList<>();

  @AfterEach
  void close() {
    vertx.close().await();
  }

  private void deploy(MemoryOptions options) {
    LocalCodec.registerAll(vertx);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    Runnable gc = () -> gcCalls.add(Thread.currentThread().getName() + (Context.isOnEventLoopThread() ? " (event loop)" : ""));
    vertx.deployVerticle(new MemoryManagerVerticle(options,
        new LocalTieredCache("test", 100, Clock.SYSTEM, registry), registry, gc)).await();
  }

  private JsonObject status() {
    return vertx.eventBus().<JsonObject>request(Addresses.MEMORY_STATUS, null).await().body();
  }

  /** Watermarks far below any real heap: pressure from the first check. */
  private static MemoryOptions alwaysUnderPressure() {
    return new MemoryOptions().setHighWatermark(0.0002).setLowWatermark(0.0001).setHeapCheckIntervalMillis(10);
  }

  @Test
  void underPressureRequestsAGcOnItsOwnThreadNeverOnAnEventLoop() {
    deploy(alwaysUnderPressure().setSweepIntervalMillis(10));
    Poll.until("two collections requested", 10, () -> gcCalls.size() >= 2);
    assertThat(gcCalls).allMatch(t -> t.equals("tributary-gc-request"), "ran on tributary-gc-request, not an event loop");
    JsonObject st = status();
    assertThat(st.getBoolean("underPressure")).isTrue();
    assertThat(st.getLong("gcRequests")).isGreaterThanOrEqualTo(2);
  }

  @Test
  void requestsAtMostOneGcPerSweepInterval() {
    deploy(alwaysUnderPressure().setSweepIntervalMillis(3_600_000));
    Poll.until("50 heap checks under pressure", 20, () -> status().getLong("heapChecks") >= 50);
    assertThat(gcCalls).as("one request within the hour's interval").hasSize(1);
    assertThat(status().getLong("gcRequests")).isEqualTo(1);
  }

  @Test
  void requestGcFalseNeverRequestsOne() {
    deploy(alwaysUnderPressure().setSweepIntervalMillis(10).setRequestGc(false));
    Poll.until("50 heap checks under pressure", 20, () -> status().getLong("heapChecks") >= 50);
    JsonObject st = status();
    assertThat(st.getBoolean("underPressure")).isTrue();
    assertThat(st.getBoolean("requestGc")).isFalse();
    assertThat(st.getLong("gcRequests")).isZero();
    assertThat(gcCalls).isEmpty();
  }

  @Test
  void withoutPressureNoGcIsRequested() {
    deploy(new MemoryOptions().setHighWatermark(1L << 50).setLowWatermark(1L << 49)
        .setHeapCheckIntervalMillis(10).setSweepIntervalMillis(10));
    Poll.until("50 heap checks", 20, () -> status().getLong("heapChecks") >= 50);
    assertThat(status().getBoolean("underPressure")).isFalse();
    assertThat(gcCalls).isEmpty();
  }

  @Test
  void gcNotificationsFeedTheLiveHeap() {
    deploy(new MemoryOptions().setHeapCheckIntervalMillis(10));
    long before = status().getLong("gcsSeen");
    System.gc(); // a real collection: its notification reaches the memory manager
    Poll.until("the collection's notification", 20, () -> status().getLong("gcsSeen") > before);
    JsonObject st = status();
    assertThat(st.getLong("heapAfterLastGcBytes")).isPositive();
    assertThat(st.getLong("liveHeapBytes")).isLessThanOrEqualTo(st.getLong("heapAfterLastGcBytes"));
  }
}
