package dev.tributary.testing;

import dev.tributary.support.Clock;

/** A clock tests advance by hand. */
public final class FakeClock implements Clock {
  private long nanos = 1_000_000_000L;
  private long epochMillis = 1_700_000_000_000L;

  @Override
  public long nanoTime() {
    return nanos;
  }

  @Override
  public long epochMillis() {
    return epochMillis;
  }

  public FakeClock advanceMillis(long ms) {
    nanos += ms * 1_000_000L;
    epochMillis += ms;
    return this;
  }
}
