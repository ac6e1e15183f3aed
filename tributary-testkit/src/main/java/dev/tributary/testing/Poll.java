package dev.tributary.testing;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The one "wait until" of the tests: checks an eventual condition, parks 10 ms between checks (never
 * spins a core), and fails naming the condition when its bound passes. The bound belongs to the
 * condition (how long it may take on a loaded machine), it is not a timing assertion.
 */
public final class Poll {
  private static final long PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

  private Poll() {}

  public static void until(String what, long maxSeconds, BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(maxSeconds);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not reached within " + maxSeconds + " s: " + what);
      }
      LockSupport.parkNanos(PAUSE_NANOS);
    }
  }

  /**
   * Reads {@code probe} until its value satisfies {@code done} and returns that value; past the
   * bound the failure names the condition and the last value read.
   */
  public static <T> T until(String what, long maxSeconds, Supplier<T> probe, Predicate<? super T> done) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(maxSeconds);
    T value;
    while (!done.test(value = probe.get())) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not reached within " + maxSeconds + " s: " + what + " (last value: " + value + ")");
      }
      LockSupport.parkNanos(PAUSE_NANOS);
    }
    return value;
  }

  /**
   * Runs {@code check} (an assertion) repeatedly for {@code millis}, every {@code everyMillis}: a
   * liveness property that must hold throughout a stretch of time, e.g. several expiry periods.
   */
  public static void throughout(long millis, long everyMillis, Runnable check) {
    long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    do {
      check.run();
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(everyMillis));
    } while (System.nanoTime() < end);
    check.run();
  }
}
