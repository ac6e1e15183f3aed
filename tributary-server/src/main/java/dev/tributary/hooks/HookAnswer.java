package dev.tributary.hooks;

import io.vertx.core.json.JsonObject;

/**
 * A hook's answer, checked: allowed (with its result object), denied (an error for the command),
 * or disconnect (close the connection). Anything else a hook answers is a {@link HookFailure}.
 */
public sealed interface HookAnswer {
  /** Allowed; {@code result} is the answer's {@code result} object (never null). */
  record Allow(JsonObject result) implements HookAnswer {}

  /** Denied: the command's reply is this error. */
  record Deny(int code, String message, boolean temporary) implements HookAnswer {}

  /** The connection is closed with this code and reason. */
  record Disconnect(int code, String reason) implements HookAnswer {}

  /** Largest close reason: a WebSocket close frame's payload is at most 125 bytes, the code takes 2. */
  int MAX_REASON_BYTES = 123;

  /**
   * Checks a hook's answer (Centrifugo's proxy response JSON): exactly one of {@code result},
   * {@code error} (code ≥ 1, message a string), {@code disconnect} (code 3000–4999, reason a
   * string of at most 123 UTF-8 bytes); {@code result} must be an object.
   *
   * @throws HookFailure ({@code malformed}) for anything else
   */
  static HookAnswer parse(Object body) {
    if (!(body instanceof JsonObject json)) {
      throw HookFailure.malformed("the answer is not a JSON object");
    }
    int present = (json.getValue("result") != null ? 1 : 0) + (json.getValue("error") != null ? 1 : 0)
        + (json.getValue("disconnect") != null ? 1 : 0);
    if (present > 1) {
      throw HookFailure.malformed("the answer has more than one of result, error, disconnect");
    }
    Object error = json.getValue("error");
    if (error != null) {
      if (!(error instanceof JsonObject e) || !(e.getValue("code") instanceof Number c) || c.intValue() < 1
          || c.doubleValue() != c.intValue() || e.containsKey("message") && !(e.getValue("message") instanceof String)) {
        throw HookFailure.malformed("error must be {\"code\": integer >= 1, \"message\": string}");
      }
      return new Deny(c.intValue(), e.getString("message", ""), Boolean.TRUE.equals(e.getValue("temporary")));
    }
    Object disconnect = json.getValue("disconnect");
    if (disconnect != null) {
      if (!(disconnect instanceof JsonObject d) || !(d.getValue("code") instanceof Number c) || c.intValue() < 3000
          || c.intValue() > 4999 || c.doubleValue() != c.intValue()
          || d.containsKey("reason") && !(d.getValue("reason") instanceof String)) {
        throw HookFailure.malformed("disconnect must be {\"code\": integer 3000-4999, \"reason\": string}");
      }
      String reason = d.getString("reason", "");
      if (reason.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_REASON_BYTES) {
        throw HookFailure.malformed("disconnect reason longer than " + MAX_REASON_BYTES + " bytes");
      }
      return new Disconnect(c.intValue(), reason);
    }
    Object result = json.getValue("result");
    if (result == null) {
      return new Allow(new JsonObject());
    }
    if (!(result instanceof JsonObject r)) {
      throw HookFailure.malformed("result must be an object");
    }
    return new Allow(r);
  }
}
