package dev.tributary.testing;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs test tokens: HS256 JWTs from raw header and payload text, so tests can sign claims no JWT
 * library would produce (wrong types, duplicates, out-of-range dates).
 */
public final class Jwt {
  public static final String HS256_HEADER = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";

  private Jwt() {}

  public static String b64(String text) {
    return b64(text.getBytes(StandardCharsets.UTF_8));
  }

  public static String b64(byte[] bytes) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** {@code b64(header).b64(payload).b64(HMAC-SHA256(secret, first two parts))}. */
  public static String sign(String secret, String header, String payload) {
    String signingInput = b64(header) + "." + b64(payload);
    return signingInput + "." + b64(hmac(secret, signingInput));
  }

  public static String sign(String secret, String payload) {
    return sign(secret, HS256_HEADER, payload);
  }

  public static String sign(String secret, JsonObject claims) {
    return sign(secret, HS256_HEADER, claims.encode());
  }

  public static byte[] hmac(String secret, String input) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return mac.doFinal(input.getBytes(StandardCharsets.US_ASCII));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
