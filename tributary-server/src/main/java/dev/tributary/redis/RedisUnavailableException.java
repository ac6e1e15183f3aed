package dev.tributary.redis;

/**
 * Redis could not serve a command: the circuit breaker is open (the command was not even sent),
 * the command timed out, or the connection failed. Callers that can do without Redis catch this
 * one type and degrade; a Redis error reply to a well-formed command (e.g. {@code WRONGTYPE}) is
 * not this exception but the reply itself, and does not count against the breaker.
 *
 * <p>Created without a stack trace: while the breaker is open every command fails fast with one.
 */
public final class RedisUnavailableException extends RuntimeException {

  public RedisUnavailableException(String message, Throwable cause) {
    super(message, cause, false, false);
  }

  /** True when the command was refused by the open breaker without reaching Redis. */
  public boolean isFastFail() {
    return getCause() instanceof io.vertx.circuitbreaker.OpenCircuitException;
  }
}
