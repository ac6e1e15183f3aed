package dev.tributary.gateway;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * A server API command aimed at live connections: those of {@code user}, or only its connection
 * {@code client}, on every node. It travels between nodes as {@link #toJson()} over the control
 * channel and is applied by each gateway instance to its own connections
 * ({@link GatewayVerticle#apply}).
 *
 * @param channel subscribe / unsubscribe: the channel
 * @param code disconnect: the close code (3000–4999)
 * @param reason disconnect: the close reason
 * @param whitelist disconnect: client ids left connected
 * @param dataJson subscribe: data for the subscribe push (JSON text), or null
 * @param expireAt refresh: the connection's new expiry, epoch seconds (0: none)
 * @param expired refresh: the connection is expired now (closed with 3005)
 */
public record ConnectionControl(Kind kind, String user, String client, String channel, int code, String reason,
    List<String> whitelist, String dataJson, long expireAt, boolean expired) {

  public enum Kind { DISCONNECT, SUBSCRIBE, UNSUBSCRIBE, REFRESH }

  public static ConnectionControl disconnect(String user, String client, int code, String reason, List<String> whitelist) {
    return new ConnectionControl(Kind.DISCONNECT, user, client, null, code, reason, whitelist, null, 0, false);
  }

  public static ConnectionControl subscribe(String user, String client, String channel, String dataJson) {
    return new ConnectionControl(Kind.SUBSCRIBE, user, client, channel, 0, null, List.of(), dataJson, 0, false);
  }

  public static ConnectionControl unsubscribe(String user, String client, String channel) {
    return new ConnectionControl(Kind.UNSUBSCRIBE, user, client, channel, 0, null, List.of(), null, 0, false);
  }

  public static ConnectionControl refresh(String user, String client, long expireAt, boolean expired) {
    return new ConnectionControl(Kind.REFRESH, user, client, null, 0, null, List.of(), null, expireAt, expired);
  }

  /** Whether it targets one connection ({@code client} given) rather than all of the user's. */
  boolean oneClient() {
    return client != null && !client.isEmpty();
  }

  public JsonObject toJson() {
    JsonObject o = new JsonObject().put("kind", kind.name()).put("user", user);
    if (oneClient()) {
      o.put("client", client);
    }
    if (channel != null) {
      o.put("channel", channel);
    }
    if (code != 0) {
      o.put("code", code).put("reason", reason);
    }
    if (!whitelist.isEmpty()) {
      o.put("whitelist", new JsonArray(whitelist));
    }
    if (dataJson != null) {
      o.put("data", dataJson);
    }
    if (expireAt != 0) {
      o.put("expireAt", expireAt);
    }
    if (expired) {
      o.put("expired", true);
    }
    return o;
  }

  /** From {@link #toJson()}; throws {@link IllegalArgumentException} on anything else. */
  public static ConnectionControl fromJson(JsonObject o) {
    try {
      JsonArray wl = o.getJsonArray("whitelist");
      List<String> whitelist = wl == null ? List.of() : wl.stream().map(String.class::cast).toList();
      return new ConnectionControl(Kind.valueOf(o.getString("kind")), o.getString("user"), o.getString("client"),
          o.getString("channel"), o.getInteger("code", 0), o.getString("reason"), whitelist, o.getString("data"),
          o.getLong("expireAt", 0L), o.getBoolean("expired", false));
    } catch (ClassCastException | NullPointerException e) {
      throw new IllegalArgumentException("not a connection control message: " + e.getMessage(), e);
    }
  }
}
