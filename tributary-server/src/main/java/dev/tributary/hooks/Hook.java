package dev.tributary.hooks;

import io.vertx.core.json.JsonObject;

/**
 * The decisions a module or an HTTP backend can take part in (Centrifugo's proxy events), and the
 * answers they give. One contract for both: the request is Centrifugo's proxy request JSON, the
 * answer Centrifugo's proxy response JSON, {@code {"result":{…}}} (allow, with what the hook
 * decides), {@code {"error":{"code":…,"message":…}}} (deny) or
 * {@code {"disconnect":{"code":…,"reason":…}}} (close the connection). See docs/PROTOCOL.md.
 */
public enum Hook {
  /** A connection without a token: who it is ({@code user}, {@code info}, {@code expire_at}, {@code channels}, {@code data}, {@code meta}). */
  CONNECT("connect", "connect", false),
  /** A connection from the connect hook reached its {@code expire_at}: extend it or let it expire. */
  REFRESH("refresh", "refresh", false),
  /** A subscribe without a subscription token: allow ({@code info}, {@code data}, {@code expire_at}) or deny. */
  SUBSCRIBE("subscribe", "subscribe", true),
  /** A client's publish: allow (optionally with new {@code data}, {@code skip_history}) or deny. */
  PUBLISH("publish", "publish", true),
  /** A subscription from the subscribe hook reached its {@code expire_at}: extend it or let it expire. */
  SUB_REFRESH("sub_refresh", "subRefresh", true),
  /** A client's rpc: the answer's {@code data}, or an error. */
  RPC("rpc", "rpc", false);

  /** Centrifugo's name of the event (metric tag, event-bus address). */
  public final String wireName;
  /** The key under {@code hooks} in the config file. */
  public final String configKey;
  /** Channel hooks can be configured per namespace. */
  public final boolean perChannel;

  Hook(String wireName, String configKey, boolean perChannel) {
    this.wireName = wireName;
    this.configKey = configKey;
    this.perChannel = perChannel;
  }

  /** Allow, with what the hook decides (may be empty). */
  public static JsonObject result(JsonObject result) {
    return new JsonObject().put("result", result == null ? new JsonObject() : result);
  }

  /** Deny with {@code code} (Centrifugo's codes, or 400–1999 for the application's own) and {@code message}. */
  public static JsonObject error(int code, String message) {
    return new JsonObject().put("error", new JsonObject().put("code", code).put("message", message));
  }

  /** Close the connection with {@code code} (3000–4999) and {@code reason}. */
  public static JsonObject disconnect(int code, String reason) {
    return new JsonObject().put("disconnect", new JsonObject().put("code", code).put("reason", reason));
  }

  /**
   * Checks the fields of an allowing answer's {@code result} this hook reads: {@code user} a
   * string, {@code expire_at} an integer ≥ 0 (Unix seconds, 0 = none), {@code expired} and
   * {@code skip_history} booleans, {@code channels} an array of strings, {@code meta} an object,
   * {@code info} an object for the channel hooks; {@code data} and a connection's {@code info} any
   * JSON. {@code b64data}/{@code b64info} are refused: payloads here are JSON.
   *
   * @throws HookFailure ({@code malformed}) naming the first bad field
   */
  void checkResult(JsonObject r) {
    for (String f : new String[] {"b64data", "b64info"}) {
      if (r.containsKey(f)) {
        throw HookFailure.malformed("result." + f + " is not supported (payloads are JSON: use " + f.substring(3) + ")");
      }
    }
    if (r.containsKey("user") && !(r.getValue("user") instanceof String)) {
      throw HookFailure.malformed("result.user must be a string");
    }
    if (r.containsKey("expire_at") && !(r.getValue("expire_at") instanceof Number n && n.longValue() >= 0
        && n.doubleValue() == n.longValue())) {
      throw HookFailure.malformed("result.expire_at must be an integer >= 0 (Unix seconds)");
    }
    for (String f : new String[] {"expired", "skip_history"}) {
      if (r.containsKey(f) && !(r.getValue(f) instanceof Boolean)) {
        throw HookFailure.malformed("result." + f + " must be true or false");
      }
    }
    if (r.containsKey("meta") && !(r.getValue("meta") instanceof JsonObject)) {
      throw HookFailure.malformed("result.meta must be an object");
    }
    if (perChannel && r.containsKey("info") && r.getValue("info") != null && !(r.getValue("info") instanceof JsonObject)) {
      throw HookFailure.malformed("result.info must be an object");
    }
    if (r.containsKey("channels")) {
      if (!(r.getValue("channels") instanceof io.vertx.core.json.JsonArray a)
          || a.stream().anyMatch(c -> !(c instanceof String))) {
        throw HookFailure.malformed("result.channels must be an array of strings");
      }
    }
  }
}
