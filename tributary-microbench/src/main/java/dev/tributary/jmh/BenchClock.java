package dev.tributary.jmh;

import dev.tributary.support.Clock;

/** A clock benchmarks advance by hand, in nanoseconds, so time-based classes see time pass. */
final class BenchClock implements Clock {
  private long nanos = 1_000_000_000L;

  @Override
  public long nanoTime() {
    return nanos;
  }

  @Override
  public long epochMillis() {
    return 1_700_000_000_000L + nanos / 1_000_000L;
  }

  void advanceNanos(long n) {
    nanos += n;
  }
}
