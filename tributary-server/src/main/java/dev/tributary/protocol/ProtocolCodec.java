package dev.tributary.protocol;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The Centrifugo client protocol v2, JSON variant: decoding of commands, encoding of replies and
 * pushes. Stateless and thread-safe.
 */
public final class ProtocolCodec {
  private ProtocolCodec() {}

  /** Methods this server knows by name. Others are a bad request. */
  public static final Set<String> METHODS = Set.of(
      "connect", "subscribe", "unsubscribe", "publish", "presence", "presence_stats",
      "history", "send", "rpc", "refresh", "sub_refresh");

  /** The server ping, and the client's pong: an empty object. */
  public static final byte[] PING = "{}".getBytes(StandardCharsets.US_ASCII);

  /** Thrown for a frame that is not valid protocol; the connection closes with 3501. */
  public static final class BadFrameException extends Exception {
    public BadFrameException(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * Decodes one text frame: one or more JSON commands separated by {@code \n}. Empty lines are
   * skipped.
   */
  public static List<Command> decode(String frame) throws BadFrameException {
    List<Command> out = new ArrayList<>(1);
    int start = 0;
    int n = frame.length();
    while (start < n) {
      int nl = frame.indexOf('\n', start);
      int end = nl < 0 ? n : nl;
      String line = frame.substring(start, end).strip();
      if (!line.isEmpty()) {
        out.add(decodeOne(line));
      }
      start = end + 1;
    }
    if (out.isEmpty()) {
      throw new BadFrameException("empty frame");
    }
    return out;
  }

  static Command decodeOne(String line) throws BadFrameException {
    JsonObject json;
    try {
      json = new JsonObject(line);
    } catch (DecodeException | ClassCastException e) {
      throw new BadFrameException("malformed JSON");
    }
    if (json.isEmpty()) {
      return Command.PONG;
    }
    long id = 0;
    Object idValue = json.getValue("id");
    if (idValue != null) {
      if (!(idValue instanceof Number num) || num.longValue() < 0) {
        throw new BadFrameException("id must be a non-negative integer");
      }
      id = num.longValue();
    }
    String method = null;
    JsonObject params = null;
    for (String key : json.fieldNames()) {
      if (key.equals("id")) {
        continue;
      }
      if (!METHODS.contains(key)) {
        throw new BadFrameException("unknown command: " + truncate(key));
      }
      if (method != null) {
        throw new BadFrameException("more than one method in a command");
      }
      Object p = json.getValue(key);
      if (p != null && !(p instanceof JsonObject)) {
        throw new BadFrameException(key + " params must be an object");
      }
      method = key;
      params = p == null ? new JsonObject() : (JsonObject) p;
    }
    if (method == null) {
      throw new BadFrameException("command without method");
    }
    if (id == 0) {
      // Centrifugo: every command but send needs an id to be answered.
      if (!method.equals("send")) {
        throw new BadFrameException("command without id");
      }
    }
    return new Command(id, method, params);
  }

  private static String truncate(String s) {
    return s.length() > 32 ? s.substring(0, 32) + "…" : s;
  }

  /** {@code {"id":N,"<method>":<result>}}. */
  public static byte[] reply(long id, String method, JsonObject result) {
    StringBuilder sb = new StringBuilder(32 + method.length());
    sb.append("{\"id\":").append(id).append(",\"").append(method).append("\":")
        .append(result == null ? "{}" : result.encode()).append('}');
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** {@code {"id":N,"<method>":<resultJson>}} with the result already JSON text. */
  public static byte[] replyRaw(long id, String method, String resultJson) {
    return ("{\"id\":" + id + ",\"" + method + "\":" + resultJson + "}").getBytes(StandardCharsets.UTF_8);
  }

  /** {@code {"id":N,"error":{"code":C,"message":M}}}. */
  public static byte[] error(long id, int code, String message) {
    StringBuilder sb = new StringBuilder(64);
    sb.append("{\"id\":").append(id).append(",\"error\":{\"code\":").append(code)
        .append(",\"message\":").append(Json.encode(message)).append("}}");
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  public static byte[] error(long id, int code) {
    return error(id, code, ErrorCodes.message(code));
  }

  /**
   * An error reply marked {@code "temporary":true}: the SDKs retry the command (a subscribe with
   * backoff) instead of giving up.
   */
  public static byte[] temporaryError(long id, int code, String message) {
    StringBuilder sb = new StringBuilder(80);
    sb.append("{\"id\":").append(id).append(",\"error\":{\"code\":").append(code)
        .append(",\"message\":").append(Json.encode(message)).append(",\"temporary\":true}}");
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * The push of one publication, encoded once for all subscribers:
   * {@code {"push":{"channel":C,"pub":{"data":D[,"info":I]}}}}.
   *
   * @param dataJson the publication's data, already JSON text
   * @param info optional client info ({@code {"client":…,"user":…}}), or null
   */
  public static byte[] publicationPush(String channel, String dataJson, JsonObject info) {
    return publicationPush(channel, dataJson, info == null ? null : info.encode(), 0);
  }

  /**
   * An upper bound of {@link #publicationPush(String, String, String, long)}'s length in bytes,
   * without encoding it (exact but for the offset's digits, counted as 20).
   */
  public static long publicationPushSizeBound(String channel, String dataJson, String infoJson) {
    return publicationPushSizeBound(channel, utf8Length(dataJson), infoJson == null ? -1 : utf8Length(infoJson));
  }

  /** The same bound from the data's and the info's UTF-8 lengths ({@code infoBytes} -1: no info). */
  public static long publicationPushSizeBound(String channel, long dataBytes, long infoBytes) {
    return 80 + utf8Length(Json.encode(channel)) + dataBytes + (infoBytes < 0 ? 0 : 8 + infoBytes);
  }

  /** The UTF-8 length of {@code s} (a lone surrogate counts 3: at least what the encoder writes for it). */
  public static long utf8Length(CharSequence s) {
    long n = 0;
    int len = s.length();
    for (int i = 0; i < len; i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        n++;
      } else if (c < 0x800) {
        n += 2;
      } else if (Character.isHighSurrogate(c) && i + 1 < len && Character.isLowSurrogate(s.charAt(i + 1))) {
        n += 4;
        i++;
      } else {
        n += 3;
      }
    }
    return n;
  }

  /** The push with the publication's stream offset (0 = the channel keeps no history). */
  public static byte[] publicationPush(String channel, String dataJson, String infoJson, long offset) {
    return publicationPush(channel, dataJson, infoJson, null, offset);
  }

  /** As above, with the publication's {@code tags} (a JSON object of strings; null: none). */
  public static byte[] publicationPush(String channel, String dataJson, String infoJson, String tagsJson, long offset) {
    StringBuilder sb = new StringBuilder(56 + channel.length() + dataJson.length());
    sb.append("{\"push\":{\"channel\":").append(Json.encode(channel)).append(",\"pub\":");
    publication(sb, dataJson, infoJson, offset);
    if (tagsJson != null) {
      sb.setLength(sb.length() - 1);
      sb.append(",\"tags\":").append(tagsJson).append('}');
    }
    sb.append("}}");
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * {@code {"push":{"channel":C,"unsubscribe":{"code":N,"reason":R}}}}: the server ended the
   * subscription; with a code of 2500 or more the client subscribes again (and recovers).
   */
  public static byte[] unsubscribePush(String channel, int code, String reason) {
    return ("{\"push\":{\"channel\":" + Json.encode(channel) + ",\"unsubscribe\":{\"code\":" + code
        + ",\"reason\":" + Json.encode(reason) + "}}}").getBytes(StandardCharsets.UTF_8);
  }

  /**
   * {@code {"push":{"channel":C,"subscribe":{…}}}}: the server subscribed the connection to C (a
   * server-side subscription). {@code resultJson} is the subscribe result (the stream position in a
   * history namespace, null: none); {@code dataJson} optional data for the client (null: none).
   */
  public static byte[] subscribePush(String channel, String resultJson, String dataJson) {
    StringBuilder sb = new StringBuilder(64 + channel.length()).append("{\"push\":{\"channel\":")
        .append(Json.encode(channel)).append(",\"subscribe\":");
    String result = resultJson == null ? "{}" : resultJson;
    if (dataJson == null) {
      sb.append(result);
    } else {
      sb.append(result, 0, result.length() - 1).append(result.length() > 2 ? "," : "").append("\"data\":")
          .append(dataJson).append('}');
    }
    return sb.append("}}").toString().getBytes(StandardCharsets.UTF_8);
  }

  /** {@code {"push":{"channel":C,"join"|"leave":{"info":{"client":…,"user":…}}}}}. */
  public static byte[] joinLeavePush(String channel, boolean join, String client, String user) {
    return joinLeavePush(channel, join, client, user, null);
  }

  /** As above, with {@code "chan_info"} in the info when {@code chanInfo} is not null. */
  public static byte[] joinLeavePush(String channel, boolean join, String client, String user, JsonObject chanInfo) {
    return ("{\"push\":{\"channel\":" + Json.encode(channel) + ",\"" + (join ? "join" : "leave")
        + "\":{\"info\":{\"client\":" + Json.encode(client) + ",\"user\":" + Json.encode(user)
        + (chanInfo == null ? "" : ",\"chan_info\":" + chanInfo.encode()) + "}}}}")
        .getBytes(StandardCharsets.UTF_8);
  }

  /** A Publication object: {@code {"data":D[,"info":I][,"offset":N]}}. */
  public static StringBuilder publication(StringBuilder sb, String dataJson, String infoJson, long offset) {
    sb.append("{\"data\":").append(dataJson);
    if (infoJson != null) {
      sb.append(",\"info\":").append(infoJson);
    }
    if (offset > 0) {
      sb.append(",\"offset\":").append(offset);
    }
    return sb.append('}');
  }
}
