package dev.tributary.protocol;

/** Error codes of replies ({@code {"id":N,"error":{"code":C,"message":M}}}), as Centrifugo uses them. */
public final class ErrorCodes {
  private ErrorCodes() {}

  public static final int INTERNAL = 100;
  public static final int UNAUTHORIZED = 101;
  public static final int UNKNOWN_CHANNEL = 102;
  public static final int PERMISSION_DENIED = 103;
  public static final int METHOD_NOT_FOUND = 104;
  public static final int ALREADY_SUBSCRIBED = 105;
  public static final int LIMIT_EXCEEDED = 106;
  public static final int BAD_REQUEST = 107;
  public static final int NOT_AVAILABLE = 108;
  public static final int TOKEN_EXPIRED = 109;
  public static final int TOO_MANY_REQUESTS = 111;
  /** {@code history} with a {@code since} position from another epoch of the stream. */
  public static final int UNRECOVERABLE_POSITION = 112;

  public static String message(int code) {
    return switch (code) {
      case INTERNAL -> "internal server error";
      case UNAUTHORIZED -> "unauthorized";
      case UNKNOWN_CHANNEL -> "unknown channel";
      case PERMISSION_DENIED -> "permission denied";
      case METHOD_NOT_FOUND -> "method not found";
      case ALREADY_SUBSCRIBED -> "already subscribed";
      case LIMIT_EXCEEDED -> "limit exceeded";
      case BAD_REQUEST -> "bad request";
      case NOT_AVAILABLE -> "not available";
      case TOKEN_EXPIRED -> "token expired";
      case TOO_MANY_REQUESTS -> "too many requests";
      case UNRECOVERABLE_POSITION -> "unrecoverable position";
      default -> "error";
    };
  }
}
