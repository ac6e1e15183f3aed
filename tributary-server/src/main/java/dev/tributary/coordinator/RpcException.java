package dev.tributary.coordinator;

/**
 * A module's refusal of a client's {@code rpc}: the client gets {@code {"error":{"code":code,
 * "message":message}}} as the command's reply. Use Centrifugo's codes where one fits (e.g. 103
 * permission denied, 107 bad request) and 400–1999 for the application's own.
 */
public final class RpcException extends RuntimeException {
  private final int code;

  public RpcException(int code, String message) {
    super(message, null, false, false);
    if (code < 1) {
      throw new IllegalArgumentException("code must be >= 1, got " + code);
    }
    this.code = code;
  }

  public int code() {
    return code;
  }
}
