package dev.tributary.support;

/**
 * Time as a parameter: time-based logic (heartbeat schedule, rate limiter, debouncer, batch
 * buffer) takes a {@code Clock} so tests advance a fake one instead of sleeping.
 */
public interface Clock {

  /** Monotonic time in nanoseconds (only differences are meaningful). */
  long nanoTime();

  /** Monotonic time in milliseconds, derived from {@link #nanoTime()}. */
  default long monotonicMillis() {
    return nanoTime() / 1_000_000L;
  }

  /** Wall-clock time in milliseconds since the epoch (for token expiry). */
  long epochMillis();

  Clock SYSTEM = new Clock() {
    @Override
    public long nanoTime() {
      return System.nanoTime();
    }

    @Override
    public long epochMillis() {
      return System.currentTimeMillis();
    }
  };
}
