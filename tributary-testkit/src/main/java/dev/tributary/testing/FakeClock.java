package dev.tributary.testing;

import dev.tributary.support.Clock;

/** A clock tests advance by hand (from the test thread; an in-process server reads it on its event loops). */
public final class FakeClock implements Clock {
  private volatile long nanos = 1_000_000_000L;
  private volatile long epochMillis = 1_700_000_000_000L;

  @Override
  public long nanoTime() {
    return nanos;
  }

  @Override
  public long epochMillis() {
    return epochMillis;
  }

  public synchronized FakeClock advanceMillis(long ms) {
    nanos += ms * 1_000_000L;
    epochMillis += ms;
    return this;
  }
}
