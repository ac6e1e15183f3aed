package dev.tributary.hooks;

/**
 * A hook that did not answer usably: the client gets error 100 (temporary) and the failure is
 * counted by its {@link #reason} ({@code timeout}, {@code unavailable}, {@code status},
 * {@code malformed}, {@code error}). No stack trace: the message says what happened.
 */
public final class HookFailure extends RuntimeException {
  /** No answer within the hook's timeoutMillis. */
  public static final String TIMEOUT = "timeout";
  /** The backend could not be reached, or no module is registered for the hook. */
  public static final String UNAVAILABLE = "unavailable";
  /** The backend answered an HTTP status other than 200. */
  public static final String STATUS = "status";
  /** The answer is not Centrifugo's proxy response JSON (or too large). */
  public static final String MALFORMED = "malformed";
  /** The module's handler failed (not with a decision). */
  public static final String ERROR = "error";

  private final String reason;

  public HookFailure(String reason, String message) {
    super(message, null, false, false);
    this.reason = reason;
  }

  static HookFailure malformed(String message) {
    return new HookFailure(MALFORMED, message);
  }

  /** The bounded metric tag of this failure. */
  public String reason() {
    return reason;
  }
}
