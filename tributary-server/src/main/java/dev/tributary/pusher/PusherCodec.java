package dev.tributary.pusher;

import dev.tributary.protocol.SharedPush;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * The Pusher protocol's messages and the mapping between Pusher channels and Tributary channels.
 * Stateless and thread-safe.
 *
 * <p>Channels: Pusher channel {@code c} of an app with namespace {@code ns} is Tributary channel
 * {@code ns:c}; without a namespace it is {@code c}. Pusher names have no {@code ':'}, so the
 * Pusher name of a Tributary channel is what follows its namespace.
 *
 * <p>Events: a Pusher event (HTTP API or client event) is published as the Tributary publication
 * {@code {"event":E,"data":D}} with the publisher's socket id as {@code info.client} (and its user
 * id as {@code info.user}); a publication whose data has exactly the keys {@code event} (a string)
 * and {@code data} is delivered to Pusher clients as that event, any other publication as event
 * {@value #DEFAULT_EVENT} with the publication's data. Joins and leaves become
 * {@code pusher_internal:member_added}/{@code member_removed}.
 */
public final class PusherCodec {
  private PusherCodec() {}

  /** The event name of a publication that does not name one. */
  public static final String DEFAULT_EVENT = "message";

  private static final Pattern CHANNEL = Pattern.compile("[A-Za-z0-9_\\-=@,.;]{1,164}");
  private static final Pattern EVENT = Pattern.compile("[^\\p{Cntrl}]{1,200}");

  /** Whether {@code name} is a valid Pusher channel name. */
  public static boolean validChannel(Object name) {
    return name instanceof String s && CHANNEL.matcher(s).matches();
  }

  /** Whether {@code name} is a valid event name (1-200 characters, no control characters). */
  public static boolean validEvent(Object name) {
    return name instanceof String s && EVENT.matcher(s).matches();
  }

  /** The Tributary channel of Pusher channel {@code name} in an app with {@code namespace} (null: none). */
  public static String toTributary(String namespace, String name) {
    return namespace == null ? name : namespace + ":" + name;
  }

  /** The Pusher name of a Tributary channel: what follows its namespace. */
  public static String toPusher(String channel) {
    int colon = channel.indexOf(':');
    return colon < 0 ? channel : channel.substring(colon + 1);
  }

  public static boolean isPresence(String name) {
    return name.startsWith("presence-");
  }

  /** private- (encrypted ones included) and presence- channels need a signature. */
  public static boolean needsAuth(String name) {
    return name.startsWith("private-") || isPresence(name);
  }

  public static boolean isEncrypted(String name) {
    return name.startsWith("private-encrypted-");
  }

  /** Cache channels: {@code cache-}, {@code private-cache-}, {@code private-encrypted-cache-}, {@code presence-cache-}. */
  public static boolean isCache(String name) {
    return name.startsWith("cache-") || name.startsWith("private-cache-") || name.startsWith("private-encrypted-cache-")
        || name.startsWith("presence-cache-");
  }

  /** The publication data of a Pusher event: {@code {"event":E,"data":D}} as JSON text. */
  public static String eventData(String event, Object data) {
    return "{\"event\":" + Json.encode(event) + ",\"data\":" + Json.encode(data) + "}";
  }

  /** The publication info of a Pusher event: the publisher's socket id (excluded from delivery) and user. */
  public static String eventInfo(String socketId, String user) {
    return new JsonObject().put("client", socketId).put("user", user == null ? "" : user).encode();
  }

  // ---- server -> client ---------------------------------------------------------------------

  /** {@code {"event":E[,"channel":C],"data":D}} with {@code data} already JSON text (null: no data). */
  public static byte[] message(String event, String channel, String dataJson) {
    StringBuilder sb = new StringBuilder(64);
    sb.append("{\"event\":").append(Json.encode(event));
    if (channel != null) {
      sb.append(",\"channel\":").append(Json.encode(channel));
    }
    if (dataJson != null) {
      sb.append(",\"data\":").append(dataJson);
    }
    return sb.append('}').toString().getBytes(StandardCharsets.UTF_8);
  }

  /** {@code pusher:connection_established}; its data is a JSON string, as Pusher sends it. */
  public static byte[] connectionEstablished(String socketId, int activityTimeoutSeconds) {
    String data = new JsonObject().put("socket_id", socketId).put("activity_timeout", activityTimeoutSeconds).encode();
    return message("pusher:connection_established", null, Json.encode(data));
  }

  /** {@code pusher:error} with {@code {"code":N,"message":M}} (code null: no code). */
  public static byte[] error(Integer code, String message) {
    return message("pusher:error", null, new JsonObject().put("code", code).put("message", message).encode());
  }

  /** {@code pusher:subscription_error} on {@code channel}: {@code {"type":T,"error":E,"status":S}}. */
  public static byte[] subscriptionError(String channel, String type, String error, int status) {
    return message("pusher:subscription_error", channel,
        new JsonObject().put("type", type).put("error", error).put("status", status).encode());
  }

  /** {@code pusher_internal:subscription_succeeded}; {@code dataJson} is the object the data string holds. */
  public static byte[] subscriptionSucceeded(String channel, String dataJson) {
    return message("pusher_internal:subscription_succeeded", channel, Json.encode(dataJson));
  }

  public static final byte[] PING = message("pusher:ping", null, "{}");
  public static final byte[] PONG = message("pusher:pong", null, "{}");

  public static byte[] cacheMiss(String channel) {
    return message("pusher:cache_miss", channel, "{}");
  }

  // ---- a publication, once per node ---------------------------------------------------------

  /** What a push is for Pusher clients. */
  public enum Kind { EVENT, MEMBER_ADDED, MEMBER_REMOVED, NONE }

  /**
   * A push's Pusher form: the bytes to send, the publisher's socket id (not sent to it; null when
   * none), and the user id of a join/leave (members are counted per user on each connection).
   */
  public record Push(Kind kind, byte[] bytes, String client, String user) {
    static final Push NONE = new Push(Kind.NONE, null, null, null);
  }

  /** The Pusher form of {@code push}, encoded on the first call for the node and shared. */
  public static Push of(SharedPush push) {
    return push.other(PusherCodec::encode);
  }

  /** Encodes one JSON push (publication, join or leave) in its Pusher form. */
  static Push encode(byte[] jsonPush) {
    JsonObject p;
    try {
      p = new JsonObject(new String(jsonPush, StandardCharsets.UTF_8)).getJsonObject("push");
    } catch (DecodeException | ClassCastException e) {
      return Push.NONE;
    }
    if (p == null || !(p.getValue("channel") instanceof String channel)) {
      return Push.NONE;
    }
    String name = toPusher(channel);
    if (p.getValue("pub") instanceof JsonObject pub) {
      return event(name, pub);
    }
    boolean join = p.getValue("join") instanceof JsonObject;
    Object jl = join ? p.getValue("join") : p.getValue("leave");
    if (jl instanceof JsonObject j && j.getValue("info") instanceof JsonObject info) {
      String user = String.valueOf(info.getValue("user", ""));
      JsonObject data = new JsonObject().put("user_id", user);
      if (join) {
        data.put("user_info", info.getValue("chan_info"));
      }
      byte[] bytes = message(join ? "pusher_internal:member_added" : "pusher_internal:member_removed", name,
          Json.encode(data.encode()));
      return new Push(join ? Kind.MEMBER_ADDED : Kind.MEMBER_REMOVED, bytes, info.getString("client"), user);
    }
    return Push.NONE;
  }

  private static Push event(String name, JsonObject pub) {
    Object data = pub.getValue("data");
    String event = DEFAULT_EVENT;
    if (data instanceof JsonObject d && d.size() == 2 && d.getValue("event") instanceof String e && d.containsKey("data")) {
      event = e;
      data = d.getValue("data");
    }
    String client = null;
    String user = null;
    if (pub.getValue("info") instanceof JsonObject info) {
      client = info.getValue("client") instanceof String c ? c : null;
      user = info.getValue("user") instanceof String u && !u.isEmpty() ? u : null;
    }
    StringBuilder sb = new StringBuilder(64);
    sb.append("{\"event\":").append(Json.encode(event)).append(",\"channel\":").append(Json.encode(name))
        .append(",\"data\":").append(Json.encode(data));
    if (user != null && event.startsWith("client-") && isPresence(name)) {
      sb.append(",\"user_id\":").append(Json.encode(user));
    }
    sb.append('}');
    return new Push(Kind.EVENT, sb.toString().getBytes(StandardCharsets.UTF_8), client, user);
  }
}
