package dev.tributary.memory;

import java.lang.management.MemoryUsage;
import java.util.Map;
import java.util.Set;

/**
 * Memory pressure with hysteresis, decided on the live heap: pressure starts when the reading
 * reaches the high watermark and ends only when it falls to the low one, so a heap hovering at the
 * line does not flap. A watermark is a fraction of max heap when {@code <= 1}, else a byte count.
 *
 * <p>The reading is {@code min(heap used after the last collection, heap used now)}. Heap used now
 * counts garbage that no collection has reclaimed yet: on a quiet server it can sit above the low
 * mark for as long as no collection runs, long after the live data is gone. Heap used after a
 * collection ({@link #afterGc}, from the collectors' notifications) is the live set plus whatever
 * that collection left (a young collection leaves the old generation's garbage); heap used now is
 * lower than that right after a collection the notification has not reported yet. Data that became
 * live since the last collection is counted from the next one: until then nothing says it is live.
 *
 * <p>Before any collection was seen nothing tells live data from garbage (G1 may fill more than
 * half the heap before its first collection). With {@code confirmWithGc}, heap used at or above the
 * high mark then starts no pressure but asks for a collection ({@link #shouldRequestGc}), whose
 * outcome decides; without it, heap used is the reading until the first collection.
 *
 * <p>Under pressure the reading can only fall when a collection runs, so {@link #shouldRequestGc}
 * asks for one, at most once per interval, when the caller allows it.
 *
 * <p>Pure (times are arguments); not thread-safe: one owner feeds it.
 */
public final class HeapWatch {
  private double high;
  private double low;
  private boolean underPressure;
  private long liveAfterGc = -1;
  private long gcsSeen;
  private long reading;
  private long lastGcRequestMillis = Long.MIN_VALUE;
  private long gcRequests;
  private final boolean confirmWithGc;
  /** Heap used reached the high mark before any collection was seen: one is wanted to decide. */
  private boolean gcWanted;

  /** A watch that decides on heap used until the first collection is seen. */
  public HeapWatch(double high, double low) {
    this(high, low, false);
  }

  /**
   * @param confirmWithGc before the first collection, ask for one ({@link #shouldRequestGc})
   *     instead of starting pressure on heap used
   */
  public HeapWatch(double high, double low, boolean confirmWithGc) {
    setWatermarks(high, low);
    this.confirmWithGc = confirmWithGc;
  }

  public void setWatermarks(double high, double low) {
    if (!(low < high)) {
      throw new IllegalArgumentException("low watermark must be below the high one");
    }
    this.high = high;
    this.low = low;
  }

  static long bytes(double mark, long maxHeap) {
    return mark <= 1 ? (long) (mark * maxHeap) : (long) mark;
  }

  /**
   * The heap bytes in use after a collection: the sum of the heap pools' usage after it. Pools not
   * in {@code heapPools} (metaspace, code cache: a collection reports them too) are left out.
   */
  public static long liveHeapBytes(Map<String, MemoryUsage> usageAfterGc, Set<String> heapPools) {
    long sum = 0;
    for (Map.Entry<String, MemoryUsage> e : usageAfterGc.entrySet()) {
      if (heapPools.contains(e.getKey())) {
        sum += e.getValue().getUsed();
      }
    }
    return sum;
  }

  /**
   * A warning when the high mark lies above what the old generation can hold (Serial and Parallel
   * size it once: two thirds of the heap by default), else null. Live data sits in the old
   * generation: a mark above its size is reached, if ever, only with the JVM about to run out of
   * memory. Only pools named like an old generation ({@code Tenured Gen}, {@code PS Old Gen},
   * {@code G1 Old Gen}) with a known max are looked at; G1's may grow to the whole heap.
   */
  public static String oldGenWarning(double high, long maxHeap, Map<String, Long> heapPoolMax) {
    long highBytes = bytes(high, maxHeap);
    for (Map.Entry<String, Long> e : heapPoolMax.entrySet()) {
      String name = e.getKey();
      long max = e.getValue();
      if ((name.contains("Old") || name.contains("Tenured")) && max > 0 && highBytes > max) {
        return String.format(java.util.Locale.ROOT, "memory.highWatermark (%d MiB) is above the old generation's size (%s, %d MiB):"
            + " live data cannot reach it before the heap runs out; set it below %.2f (docs/CONFIGURATION.md)",
            highBytes >> 20, name, max >> 20, (double) max / maxHeap);
      }
    }
    return null;
  }

  /** Feeds one collection's outcome: heap bytes in use right after it. */
  public void afterGc(long liveBytes) {
    liveAfterGc = liveBytes;
    gcsSeen++;
    gcWanted = false;
  }

  /**
   * Feeds one reading of the heap used now; returns true when the pressure state changed. The
   * decision is on {@code min(used after the last collection, used)}.
   */
  public boolean update(long used, long maxHeap) {
    reading = liveAfterGc < 0 ? used : Math.min(liveAfterGc, used);
    if (!underPressure && liveAfterGc < 0 && confirmWithGc) {
      gcWanted = reading >= bytes(high, maxHeap);
      return false;
    }
    if (!underPressure && reading >= bytes(high, maxHeap)) {
      underPressure = true;
      return true;
    }
    if (underPressure && reading <= bytes(low, maxHeap)) {
      underPressure = false;
      return true;
    }
    return false;
  }

  /**
   * Whether to ask the JVM for a collection now: under pressure (or, before any collection, with
   * heap used at the high mark and {@code confirmWithGc}), and no request in the last
   * {@code intervalMillis}. Answering true counts as a request made at {@code nowMillis}.
   */
  public boolean shouldRequestGc(long nowMillis, long intervalMillis) {
    if (!(underPressure || gcWanted) || (lastGcRequestMillis != Long.MIN_VALUE && nowMillis - lastGcRequestMillis < intervalMillis)) {
      return false;
    }
    lastGcRequestMillis = nowMillis;
    gcRequests++;
    return true;
  }

  public boolean underPressure() {
    return underPressure;
  }

  /** The last reading the decision was made on, bytes. */
  public long reading() {
    return reading;
  }

  /** Heap used after the last collection seen, bytes; -1 before the first. */
  public long liveAfterGc() {
    return liveAfterGc;
  }

  /** Collections fed so far. */
  public long gcsSeen() {
    return gcsSeen;
  }

  /** Collections requested so far. */
  public long gcRequests() {
    return gcRequests;
  }

  public double high() {
    return high;
  }

  public double low() {
    return low;
  }
}
