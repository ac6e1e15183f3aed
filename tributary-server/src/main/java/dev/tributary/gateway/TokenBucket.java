package dev.tributary.gateway;

/**
 * A token bucket in two fields, small enough for one per connection at 100,000 connections (a
 * library limiter object per connection would cost more than the connection's own state). Not
 * thread-safe: owned by the connection's event loop; time is passed in (nanoseconds).
 */
public final class TokenBucket {
  private final double perNano;
  private final double burst;
  private double tokens;
  private long lastNanos;

  /** @param perSecond sustained rate; 0 = unlimited */
  public TokenBucket(int perSecond, int burst, long nowNanos) {
    this.perNano = perSecond / 1e9;
    this.burst = burst;
    this.tokens = burst;
    this.lastNanos = nowNanos;
  }

  /** Takes one token if there is one. */
  public boolean tryAcquire(long nowNanos) {
    if (perNano == 0) {
      return true;
    }
    long elapsed = nowNanos - lastNanos;
    if (elapsed > 0) {
      tokens = Math.min(burst, tokens + elapsed * perNano);
      lastNanos = nowNanos;
    }
    if (tokens >= 1) {
      tokens -= 1;
      return true;
    }
    return false;
  }
}
