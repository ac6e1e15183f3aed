package dev.tributary.support;

import io.vertx.core.Vertx;

/**
 * One Vert.x timer kept armed at the earliest deadline a pure class (debouncer, batch buffer)
 * reports: re-arming for a later deadline keeps the earlier timer, an earlier one replaces it. Not
 * thread-safe: owned by one verticle's event loop.
 */
public final class DeadlineTimer {
  private final Vertx vertx;
  private final Clock clock;
  private final Runnable onDeadline;
  private long timerId = -1;
  private long armedFor = Long.MAX_VALUE;

  /** @param onDeadline runs on the owner's event loop when the armed deadline passes */
  public DeadlineTimer(Vertx vertx, Clock clock, Runnable onDeadline) {
    this.vertx = vertx;
    this.clock = clock;
    this.onDeadline = onDeadline;
  }

  /** Makes sure the timer fires by {@code deadlineMillis} (monotonic); negative = nothing due. */
  public void arm(long deadlineMillis) {
    if (deadlineMillis < 0 || (timerId >= 0 && armedFor <= deadlineMillis)) {
      return;
    }
    if (timerId >= 0) {
      vertx.cancelTimer(timerId);
    }
    armedFor = deadlineMillis;
    timerId = vertx.setTimer(Math.max(1, deadlineMillis - clock.monotonicMillis()), id -> {
      timerId = -1;
      armedFor = Long.MAX_VALUE;
      onDeadline.run();
    });
  }
}
