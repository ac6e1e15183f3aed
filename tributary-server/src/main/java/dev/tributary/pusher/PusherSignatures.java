package dev.tributary.pusher;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Pusher's signatures: channel auth ({@code key:HMAC-SHA256(secret, socket_id:channel[:channel_data])}),
 * user sign-in ({@code socket_id::user::user_data}), and HTTP API requests
 * ({@code METHOD\nPATH\nsorted query}). Comparisons are constant-time. Thread-safe.
 */
public final class PusherSignatures {
  private PusherSignatures() {}

  /** Lowercase hex HMAC-SHA256 of {@code data} with {@code secret}. */
  public static String hmac(String secret, String data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return HexFormat.of().formatHex(mac.doFinal(data.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }

  /** Lowercase hex MD5 of {@code body} (the HTTP API's {@code body_md5}). */
  public static String md5(byte[] body) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(body));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("MD5 unavailable", e);
    }
  }

  public static boolean equal(String a, String b) {
    return a != null && b != null
        && MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  }

  /** The auth string a channel subscription must carry ({@code channelData} null for private channels). */
  public static String channelAuth(String key, String secret, String socketId, String channel, String channelData) {
    String toSign = socketId + ":" + channel + (channelData == null ? "" : ":" + channelData);
    return key + ":" + hmac(secret, toSign);
  }

  /** The auth string of a {@code pusher:signin}. */
  public static String signinAuth(String key, String secret, String socketId, String userData) {
    return key + ":" + hmac(secret, socketId + "::user::" + userData);
  }

  /**
   * The string an HTTP API request signs: method, path and the query parameters but
   * {@code auth_signature}, keys lowercased, sorted, joined as {@code k=v} with {@code &}.
   */
  public static String requestToSign(String method, String path, Map<String, String> params) {
    TreeMap<String, String> sorted = new TreeMap<>();
    params.forEach((k, v) -> {
      if (!k.equalsIgnoreCase("auth_signature")) {
        sorted.put(k.toLowerCase(java.util.Locale.ROOT), v);
      }
    });
    StringBuilder sb = new StringBuilder(method).append('\n').append(path).append('\n');
    boolean first = true;
    for (Map.Entry<String, String> e : sorted.entrySet()) {
      if (!first) {
        sb.append('&');
      }
      first = false;
      sb.append(e.getKey()).append('=').append(e.getValue());
    }
    return sb.toString();
  }
}
