package dev.tributary.bench;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Waiting out a measurement window, and bounded waits for a condition the load loops set. */
final class Time {
  private Time() {}

  static long secondsToNanos(double s) {
    return (long) (s * 1e9);
  }

  /** Blocks until {@code System.nanoTime() >= deadline}. */
  static void sleepUntil(long deadline) {
    long left;
    while ((left = deadline - System.nanoTime()) > 0) {
      try {
        TimeUnit.NANOSECONDS.sleep(Math.min(left, 50_000_000L));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new BenchException("interrupted");
      }
    }
  }

  /**
   * Waits until {@code done} holds, checking every 10 ms, for at most {@code timeoutNanos}; returns
   * whether it held.
   */
  static boolean await(BooleanSupplier done, long timeoutNanos) {
    long deadline = System.nanoTime() + timeoutNanos;
    while (!done.getAsBoolean()) {
      if (System.nanoTime() - deadline >= 0) {
        return false;
      }
      sleepUntil(System.nanoTime() + 10_000_000L);
    }
    return true;
  }
}
