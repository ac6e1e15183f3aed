package dev.tributary.api;

import dev.tributary.protocol.ErrorCodes;
import io.vertx.core.json.JsonObject;

/**
 * A server API call answered with an error: the HTTP status of a single call and the
 * {@code {"code","message"}} of Centrifugo's error object. An answer, not a fault: no stack trace.
 */
final class ApiError extends RuntimeException {
  final int status;
  final int code;
  /** Set on a temporary refusal: the response carries {@code Retry-After: 1}. */
  final boolean retryAfter;

  ApiError(int status, int code, String message) {
    this(status, code, message, false);
  }

  ApiError(int status, int code, String message, boolean retryAfter) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }

  /** 400 with 107: the request is not one the method takes. */
  static ApiError badRequest(String message) {
    return new ApiError(400, ErrorCodes.BAD_REQUEST, "bad request: " + message);
  }

  /** 503 with 100 and Retry-After: try again (here or on another node). */
  static ApiError unavailable(String message) {
    return new ApiError(503, ErrorCodes.INTERNAL, message, true);
  }

  JsonObject json() {
    return new JsonObject().put("code", code).put("message", getMessage());
  }
}
