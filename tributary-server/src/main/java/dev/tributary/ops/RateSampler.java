package dev.tributary.ops;

import java.util.function.LongSupplier;

/**
 * Per-second rates of a growing count, from a once-a-second sample: the last second and an
 * exponentially weighted 10-second average. Written by one timer thread only; read from any thread.
 */
public final class RateSampler {
  private final LongSupplier total;
  private long last;
  private long lastNanos;
  private volatile double lastSecond;
  private volatile double tenSeconds;

  public RateSampler(LongSupplier total, long nowNanos) {
    this.total = total;
    this.last = total.getAsLong();
    this.lastNanos = nowNanos;
  }

  /** Takes one sample (call about once a second). */
  public void sample(long nowNanos) {
    long t = total.getAsLong();
    double secs = (nowNanos - lastNanos) / 1e9;
    if (secs <= 0) {
      return;
    }
    double rate = (t - last) / secs;
    lastSecond = rate;
    tenSeconds = tenSeconds == 0 ? rate : tenSeconds + (rate - tenSeconds) * Math.min(1.0, secs / 10.0);
    last = t;
    lastNanos = nowNanos;
  }

  public double lastSecond() {
    return lastSecond;
  }

  public double tenSeconds() {
    return tenSeconds;
  }
}
