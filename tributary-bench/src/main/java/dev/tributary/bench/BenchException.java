package dev.tributary.bench;

/** A benchmark could not run as asked (server unreachable, setup failed, bad option). */
public final class BenchException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public BenchException(String message) {
    super(message);
  }

  public BenchException(String message, Throwable cause) {
    super(message, cause);
  }
}
