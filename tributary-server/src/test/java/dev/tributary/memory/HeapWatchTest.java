package dev.tributary.memory;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.MemoryUsage;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class HeapWatchTest {
  @Test
  void startsAtHighEndsAtLowWithoutFlapping() {
    HeapWatch w = new HeapWatch(0.8, 0.6);
    assertThat(w.update(790, 1000)).isFalse();
    assertThat(w.update(800, 1000)).isTrue();
    assertThat(w.underPressure()).isTrue();
    assertThat(w.update(700, 1000)).as("between the marks: still under pressure").isFalse();
    assertThat(w.update(810, 1000)).isFalse();
    assertThat(w.update(600, 1000)).isTrue();
    assertThat(w.underPressure()).isFalse();
    assertThat(w.update(700, 1000)).isFalse();
  }

  @Test
  void watermarksAboveOneAreBytes() {
    HeapWatch w = new HeapWatch(5_000_000, 1_000_000);
    assertThat(w.update(4_999_999, 1L << 30)).isFalse();
    assertThat(w.update(5_000_000, 1L << 30)).isTrue();
    assertThat(w.update(1_000_000, 1L << 30)).isTrue();
  }

  @Test
  void watermarksCanChangeAtRunTime() {
    HeapWatch w = new HeapWatch(0.0002, 0.0001);
    assertThat(w.update(500, 1000)).isTrue();
    w.setWatermarks(0.99, 0.98);
    assertThat(w.update(500, 1000)).isTrue();
    assertThat(w.underPressure()).isFalse();
  }

  private static MemoryUsage used(long bytes) {
    return new MemoryUsage(0, bytes, Math.max(bytes, 1), -1);
  }

  @Test
  void liveHeapIsTheSumOfHeapPoolsAfterGcWithoutNonHeapPools() {
    Map<String, MemoryUsage> after = Map.of(
        "Eden Space", used(0), "Survivor Space", used(300), "Tenured Gen", used(5_000),
        "Metaspace", used(90_000), "CodeHeap 'non-nmethods'", used(7_000));
    assertThat(HeapWatch.liveHeapBytes(after, Set.of("Eden Space", "Survivor Space", "Tenured Gen")))
        .isEqualTo(5_300);
  }

  @Test
  void garbageAboveTheLowMarkDoesNotHoldPressureOnceAGcReportedTheLiveSetBelowIt() {
    HeapWatch w = new HeapWatch(0.8, 0.6);
    w.afterGc(850);
    assertThat(w.update(900, 1000)).isTrue();
    assertThat(w.reading()).isEqualTo(850);
    // The data is gone; a collection reports 200 bytes live while used stays high (no more GCs).
    w.afterGc(200);
    assertThat(w.update(950, 1000)).as("decided on the live heap, not on used").isTrue();
    assertThat(w.underPressure()).isFalse();
    assertThat(w.reading()).isEqualTo(200);
  }

  @Test
  void usedBelowTheLastLiveReadingCountsBeforeItsNotificationArrives() {
    HeapWatch w = new HeapWatch(0.8, 0.6);
    w.afterGc(900);
    assertThat(w.update(920, 1000)).isTrue();
    // A collection ran and freed most of the heap; its notification has not been fed yet.
    assertThat(w.update(100, 1000)).isTrue();
    assertThat(w.underPressure()).isFalse();
  }

  @Test
  void garbageAloneNeverStartsPressure() {
    HeapWatch w = new HeapWatch(0.8, 0.6);
    w.afterGc(100);
    assertThat(w.update(990, 1000)).as("990 used but only 100 live after the last GC").isFalse();
    w.afterGc(850);
    assertThat(w.update(860, 1000)).isTrue();
  }

  @Test
  void withoutAnyGcTheReadingIsHeapUsed() {
    HeapWatch w = new HeapWatch(0.8, 0.6);
    assertThat(w.liveAfterGc()).isEqualTo(-1);
    assertThat(w.update(800, 1000)).isTrue();
    assertThat(w.reading()).isEqualTo(800);
  }

  @Test
  void requestsAGcOnlyUnderPressureAndAtMostOncePerInterval() {
    HeapWatch w = new HeapWatch(0.8, 0.6);
    assertThat(w.shouldRequestGc(0, 10_000)).as("no pressure").isFalse();
    w.afterGc(900);
    w.update(900, 1000);
    assertThat(w.shouldRequestGc(1_000, 10_000)).isTrue();
    assertThat(w.shouldRequestGc(1_001, 10_000)).isFalse();
    assertThat(w.shouldRequestGc(10_999, 10_000)).isFalse();
    assertThat(w.shouldRequestGc(11_000, 10_000)).isTrue();
    assertThat(w.gcRequests()).isEqualTo(2);
    w.afterGc(100);
    w.update(100, 1000);
    assertThat(w.shouldRequestGc(50_000, 10_000)).as("pressure is off").isFalse();
    assertThat(w.gcsSeen()).isEqualTo(2);
  }

  @Test
  void beforeAnyGcHeapUsedAtTheHighMarkAsksForAGcInsteadOfStartingPressure() {
    HeapWatch w = new HeapWatch(0.8, 0.6, true);
    assertThat(w.update(700, 1000)).isFalse();
    assertThat(w.shouldRequestGc(0, 10_000)).as("below the mark: nothing to confirm").isFalse();
    assertThat(w.update(900, 1000)).as("garbage or live? not known yet").isFalse();
    assertThat(w.underPressure()).isFalse();
    assertThat(w.shouldRequestGc(1, 10_000)).isTrue();
    w.afterGc(100);
    assertThat(w.update(120, 1000)).isFalse();
    assertThat(w.underPressure()).as("it was garbage").isFalse();
    assertThat(w.shouldRequestGc(20_000, 10_000)).isFalse();

    HeapWatch live = new HeapWatch(0.8, 0.6, true);
    live.update(900, 1000);
    assertThat(live.shouldRequestGc(0, 10_000)).isTrue();
    live.afterGc(880);
    assertThat(live.update(890, 1000)).as("it was live").isTrue();
  }

  @Test
  void warnsWhenTheHighMarkLiesAboveTheOldGeneration() {
    long mib = 1 << 20;
    // Serial at -Xmx128m: heap max 123.75 MiB, Tenured Gen 85.3 MiB.
    Map<String, Long> serial = Map.of("Eden Space", 34 * mib, "Survivor Space", 4 * mib, "Tenured Gen", 85 * mib);
    assertThat(HeapWatch.oldGenWarning(0.85, 124 * mib, serial))
        .startsWith("memory.highWatermark (105 MiB) is above the old generation's size (Tenured Gen, 85 MiB)")
        .contains("set it below 0.69");
    assertThat(HeapWatch.oldGenWarning(0.6, 124 * mib, serial)).isNull();
    assertThat(HeapWatch.oldGenWarning(200 * mib, 124 * mib, serial)).as("a byte mark").isNotNull();
    // G1: the old generation may take the whole heap.
    Map<String, Long> g1 = Map.of("G1 Eden Space", -1L, "G1 Survivor Space", -1L, "G1 Old Gen", 128 * mib);
    assertThat(HeapWatch.oldGenWarning(0.85, 128 * mib, g1)).isNull();
  }
}
