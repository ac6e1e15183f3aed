package dev.tributary.ops;

import java.util.function.LongSupplier;

/**
 * How much a growing count grew over the last minute, from once-a-second samples (a ring of 61):
 * what an insight about "now" needs, where a total since start would warn forever. Written by one
 * timer thread only; read from any thread.
 */
public final class RecentCount {
  /** Samples kept: one a second for a minute, plus the one the minute starts from. */
  static final int SAMPLES = 61;

  private final LongSupplier total;
  private final long[] ring = new long[SAMPLES];
  private int next;
  private int filled;
  private volatile long lastMinute;

  public RecentCount(LongSupplier total) {
    this.total = total;
    ring[0] = total.getAsLong();
    next = 1;
    filled = 1;
  }

  /** Takes one sample (call once a second). */
  public void sample() {
    long t = total.getAsLong();
    ring[next] = t;
    next = (next + 1) % SAMPLES;
    filled = Math.min(SAMPLES, filled + 1);
    int oldest = filled < SAMPLES ? 0 : next;
    lastMinute = t - ring[oldest];
  }

  /** Growth over the last minute (since start, while the server is younger than that). */
  public long lastMinute() {
    return lastMinute;
  }
}
