package dev.tributary.memory;

/**
 * Memory pressure with hysteresis: pressure starts when heap use reaches the high watermark and
 * ends only when it falls to the low one, so a heap hovering at the line does not flap. A
 * watermark is a fraction of max heap when {@code <= 1}, else a byte count. Pure; not thread-safe.
 */
public final class HeapWatch {
  private double high;
  private double low;
  private boolean underPressure;

  public HeapWatch(double high, double low) {
    setWatermarks(high, low);
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

  /** Feeds one reading; returns true when the pressure state changed. */
  public boolean update(long used, long maxHeap) {
    if (!underPressure && used >= bytes(high, maxHeap)) {
      underPressure = true;
      return true;
    }
    if (underPressure && used <= bytes(low, maxHeap)) {
      underPressure = false;
      return true;
    }
    return false;
  }

  public boolean underPressure() {
    return underPressure;
  }

  public double high() {
    return high;
  }

  public double low() {
    return low;
  }
}
