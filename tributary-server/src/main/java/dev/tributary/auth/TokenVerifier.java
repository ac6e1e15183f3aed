package dev.tributary.auth;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import dev.tributary.support.Clock;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Verifies HS256 JWTs (connection and subscription tokens) itself: compact serialisation with
 * strict base64url (no padding, no stray bits), header {@code alg} exactly {@code HS256}, HMAC-SHA256
 * compared in constant time, then the claims with strict types. Nothing here throws and nothing is
 * logged: every outcome is a {@link Result}, and an {@link Invalid}'s reason never quotes the token.
 *
 * <p>Claims: {@code exp}, {@code nbf}, {@code iat} are NumericDates, JSON integers (or numbers with
 * no fraction) in {@code 0..253402300799} (year 9999); {@code sub} a string; {@code info} an object;
 * {@code channels} an array of strings; {@code channel} a string. A claim present with JSON
 * {@code null} is invalid, as is a duplicated member name. Other claims are ignored. All types are
 * checked before time: a malformed token is {@link Invalid} even when it has also expired.
 *
 * <p>Not thread-safe (it keeps one {@link Mac}): one instance per event loop, used synchronously.
 */
public final class TokenVerifier {
  /** Longest token accepted, in characters; longer is {@link Invalid} before any decoding. */
  public static final int MAX_TOKEN_CHARS = 64 * 1024;
  /** Largest NumericDate accepted: 9999-12-31T23:59:59Z. */
  public static final long MAX_NUMERIC_DATE = 253_402_300_799L;

  /** Outcome of a verification. */
  public sealed interface Result permits Valid, Expired, Invalid {}

  /**
   * A valid token. {@code expiresAtEpochSeconds} is 0 without {@code exp}; {@code info} is null
   * without {@code info}; {@code channel} is null without {@code channel}.
   */
  public record Valid(String user, List<String> channels, long expiresAtEpochSeconds, JsonObject info,
      String channel) implements Result {}

  /** Well-formed and correctly signed, but {@code exp} has passed or {@code nbf} has not come. */
  public record Expired() implements Result {}

  /** Anything else; {@code why} is for debug logs and never contains the token. */
  public record Invalid(String why) implements Result {}

  private static final JsonFactory JSON = JsonFactory.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .build();
  private static final BigDecimal MAX_DATE = BigDecimal.valueOf(MAX_NUMERIC_DATE);

  private final Mac mac;
  private final Clock clock;

  public TokenVerifier(String hmacSecret, Clock clock) {
    this.clock = clock;
    try {
      this.mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(hmacSecret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }

  /** A connection token: signature, claim types, then {@code exp} / {@code nbf}. */
  public Result verify(String token) {
    try {
      return check(token);
    } catch (RuntimeException e) {
      // Defence in depth: a parser surprise is an invalid token, never an exception upstream.
      return new Invalid("unreadable token (" + e.getClass().getSimpleName() + ")");
    }
  }

  /**
   * A subscription token for {@code channel} of the connection's {@code user}: as {@link #verify},
   * and its {@code sub} must equal {@code user} and its {@code channel} claim {@code channel}.
   */
  public Result verifySubscription(String token, String user, String channel) {
    Result r = verify(token);
    if (r instanceof Valid v) {
      if (v.channel() == null || !v.channel().equals(channel)) {
        return new Invalid("channel claim does not match");
      }
      if (!v.user().equals(user)) {
        return new Invalid("sub does not match the connection's user");
      }
    }
    return r;
  }

  private Result check(String token) {
    if (token == null || token.isEmpty()) {
      return new Invalid("empty token");
    }
    if (token.length() > MAX_TOKEN_CHARS) {
      return new Invalid("token longer than " + MAX_TOKEN_CHARS + " characters");
    }
    int dot1 = token.indexOf('.');
    int dot2 = dot1 < 0 ? -1 : token.indexOf('.', dot1 + 1);
    if (dot2 < 0 || token.indexOf('.', dot2 + 1) >= 0) {
      return new Invalid("not three dot-separated parts");
    }
    byte[] headerBytes = base64url(token, 0, dot1);
    byte[] payloadBytes = base64url(token, dot1 + 1, dot2);
    byte[] signature = base64url(token, dot2 + 1, token.length());
    if (headerBytes == null || payloadBytes == null || signature == null) {
      return new Invalid("not strict base64url");
    }
    Map<String, Object> header = object(headerBytes);
    if (header == null) {
      return new Invalid("header is not a JSON object");
    }
    if (!"HS256".equals(header.get("alg"))) {
      return new Invalid("alg must be HS256");
    }
    if (header.containsKey("typ") && !(header.get("typ") instanceof String)) {
      return new Invalid("typ must be a string");
    }
    if (header.containsKey("crit")) {
      return new Invalid("crit header not supported");
    }
    byte[] expected = mac.doFinal(token.substring(0, dot2).getBytes(StandardCharsets.US_ASCII));
    if (!MessageDigest.isEqual(expected, signature)) {
      return new Invalid("bad signature");
    }
    Map<String, Object> claims = object(payloadBytes);
    if (claims == null) {
      return new Invalid("payload is not a JSON object");
    }
    return claims(claims);
  }

  private Result claims(Map<String, Object> c) {
    long exp = numericDate(c, "exp");
    long nbf = numericDate(c, "nbf");
    long iat = numericDate(c, "iat");
    if (exp == -2 || nbf == -2 || iat == -2) {
      return new Invalid("exp, nbf and iat must be integers in 0.." + MAX_NUMERIC_DATE);
    }
    Object sub = c.getOrDefault("sub", "");
    if (!(sub instanceof String user)) {
      return new Invalid("sub must be a string");
    }
    Object info = c.get("info");
    if (c.containsKey("info") && !(info instanceof JsonObject)) {
      return new Invalid("info must be an object");
    }
    Object channel = c.get("channel");
    if (c.containsKey("channel") && !(channel instanceof String)) {
      return new Invalid("channel must be a string");
    }
    List<String> channels = List.of();
    if (c.containsKey("channels")) {
      if (!(c.get("channels") instanceof JsonArray arr)) {
        return new Invalid("channels must be an array of strings");
      }
      List<String> list = new ArrayList<>(arr.size());
      for (Object o : arr) {
        if (!(o instanceof String s)) {
          return new Invalid("channels must be an array of strings");
        }
        list.add(s);
      }
      channels = List.copyOf(list);
    }
    long nowSeconds = Math.floorDiv(clock.epochMillis(), 1000L);
    if (exp >= 0 && exp <= nowSeconds) {
      return new Expired();
    }
    if (nbf >= 0 && nbf > nowSeconds) {
      return new Expired();
    }
    return new Valid(user, channels, Math.max(exp, 0), (JsonObject) info, (String) channel);
  }

  /** The claim in seconds; -1 when absent, -2 when present and not a NumericDate in range. */
  private static long numericDate(Map<String, Object> c, String name) {
    if (!c.containsKey(name)) {
      return -1;
    }
    if (!(c.get(name) instanceof BigDecimal d)) {
      return -2;
    }
    if (d.signum() < 0 || d.compareTo(MAX_DATE) > 0) {
      return -2;
    }
    try {
      return d.longValueExact(); // throws for a fraction
    } catch (ArithmeticException e) {
      return -2;
    }
  }

  // ---- base64url and JSON -------------------------------------------------------------------

  /** Strict base64url (RFC 7515 §2: no padding, no other characters, unused bits zero), or null. */
  static byte[] base64url(String s, int from, int to) {
    int n = to - from;
    if (n == 0 || n % 4 == 1) {
      return null;
    }
    int last = 0;
    for (int i = from; i < to; i++) {
      char ch = s.charAt(i);
      int v;
      if (ch >= 'A' && ch <= 'Z') {
        v = ch - 'A';
      } else if (ch >= 'a' && ch <= 'z') {
        v = ch - 'a' + 26;
      } else if (ch >= '0' && ch <= '9') {
        v = ch - '0' + 52;
      } else if (ch == '-') {
        v = 62;
      } else if (ch == '_') {
        v = 63;
      } else {
        return null;
      }
      last = v;
    }
    // The last character's bits that do not fill a byte must be zero (one encoding per value).
    if ((n % 4 == 2 && (last & 0x0F) != 0) || (n % 4 == 3 && (last & 0x03) != 0)) {
      return null;
    }
    return Base64.getUrlDecoder().decode(s.substring(from, to));
  }

  /**
   * A JSON object's members, or null when the bytes are not exactly one JSON object (or repeat a
   * member name). Top-level numbers are exact {@link BigDecimal}s; nested values are Vert.x JSON.
   */
  private static Map<String, Object> object(byte[] json) {
    try (JsonParser p = JSON.createParser(json)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      Map<String, Object> out = new LinkedHashMap<>();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken t = p.nextToken();
        Object v = t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT
            ? p.getDecimalValue() : value(p, t);
        out.put(name, v);
      }
      if (p.nextToken() != null) {
        return null; // trailing content after the object
      }
      return out;
    } catch (IOException | NotJsonException e) {
      return null;
    }
  }

  private static final class NotJsonException extends RuntimeException {
    NotJsonException() {
      super(null, null, false, false);
    }
  }

  private static Object value(JsonParser p, JsonToken t) throws IOException {
    switch (t) {
      case START_OBJECT -> {
        JsonObject o = new JsonObject();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String name = p.currentName();
          o.put(name, value(p, p.nextToken()));
        }
        return o;
      }
      case START_ARRAY -> {
        JsonArray a = new JsonArray();
        JsonToken e;
        while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
          a.add(value(p, e));
        }
        return a;
      }
      case VALUE_STRING -> {
        return p.getText();
      }
      case VALUE_NUMBER_INT -> {
        return p.getNumberValue();
      }
      case VALUE_NUMBER_FLOAT -> {
        double d = p.getDoubleValue();
        if (!Double.isFinite(d)) {
          throw new NotJsonException();
        }
        return d;
      }
      case VALUE_TRUE -> {
        return Boolean.TRUE;
      }
      case VALUE_FALSE -> {
        return Boolean.FALSE;
      }
      case VALUE_NULL -> {
        return null;
      }
      default -> throw new NotJsonException();
    }
  }
}
