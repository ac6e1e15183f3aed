package dev.tributary.auth;

import static dev.tributary.testing.Jwt.b64;
import static dev.tributary.testing.Jwt.sign;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.auth.TokenVerifier.Expired;
import dev.tributary.auth.TokenVerifier.Invalid;
import dev.tributary.auth.TokenVerifier.Result;
import dev.tributary.auth.TokenVerifier.Valid;
import dev.tributary.testing.FakeClock;
import dev.tributary.testing.Jwt;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every malformed, mistyped or out-of-range token is {@link Invalid} (3500 at connect), passed
 * {@code exp} or future {@code nbf} is {@link Expired} (109), and nothing throws. The clock stands
 * at {@link #NOW} seconds.
 */
class TokenVerifierTest {
  static final String SECRET = "a-secret-for-tests-only";
  static final long NOW = 1_700_000_000L;
  static final long LATER = NOW + 600;

  enum Outcome { VALID, EXPIRED, INVALID }

  static Arguments row(String name, String token, Outcome expected) {
    return Arguments.of(name, token, expected);
  }

  static Arguments claims(String name, String payload, Outcome expected) {
    return row(name, sign(SECRET, payload), expected);
  }

  static String valid() {
    return sign(SECRET, "{\"sub\":\"u1\",\"exp\":" + LATER + "}");
  }

  static String withSignature(String token, String signature) {
    return token.substring(0, token.lastIndexOf('.') + 1) + signature;
  }

  static Stream<Arguments> table() {
    List<Arguments> rows = new ArrayList<>();
    Outcome ok = Outcome.VALID;
    Outcome expired = Outcome.EXPIRED;
    Outcome bad = Outcome.INVALID;

    // well-formed
    rows.add(claims("no claims at all: anonymous", "{}", ok));
    rows.add(claims("sub and future exp", "{\"sub\":\"u1\",\"exp\":" + LATER + "}", ok));
    rows.add(claims("exp with a zero fraction", "{\"exp\":" + LATER + ".0}", ok));
    rows.add(claims("exp in exponent notation, integral", "{\"exp\":1.7000006E9}", ok));
    rows.add(claims("past nbf and iat", "{\"nbf\":" + (NOW - 5) + ",\"iat\":" + (NOW - 5) + "}", ok));
    rows.add(claims("nbf exactly now", "{\"nbf\":" + NOW + "}", ok));
    rows.add(claims("iat in the future is only typed", "{\"iat\":" + LATER + "}", ok));
    rows.add(claims("info object and channels", "{\"sub\":\"u\",\"info\":{\"n\":[1,2.5,null,true]},\"channels\":[\"a\",\"b:c\"]}", ok));
    rows.add(claims("empty channels", "{\"channels\":[]}", ok));
    rows.add(claims("unknown claims ignored", "{\"aud\":7,\"jti\":null,\"meta\":{}}", ok));
    rows.add(claims("largest NumericDate", "{\"exp\":" + TokenVerifier.MAX_NUMERIC_DATE + "}", ok));
    rows.add(row("header without typ", sign(SECRET, "{\"alg\":\"HS256\"}", "{}"), ok));
    rows.add(row("header with kid", sign(SECRET, "{\"alg\":\"HS256\",\"kid\":\"k1\",\"typ\":\"JWT\"}", "{}"), ok));

    // expired / not yet valid
    rows.add(claims("exp one second ago", "{\"exp\":" + (NOW - 1) + "}", expired));
    rows.add(claims("exp exactly now", "{\"exp\":" + NOW + "}", expired));
    rows.add(claims("exp zero", "{\"exp\":0}", expired));
    rows.add(claims("exp negative zero", "{\"exp\":-0}", expired));
    rows.add(claims("nbf in the future", "{\"nbf\":" + (NOW + 1) + "}", expired));

    // mistyped or out-of-range NumericDates
    for (String claim : List.of("exp", "nbf", "iat")) {
      for (String v : List.of("\"" + LATER + "\"", "{}", "{\"v\":" + LATER + "}", "[]", "[" + LATER + "]", "null",
          "true", "false", LATER + ".5", "0.000001", "-1", "-9.3e15", "1e300", "1e-300", "-1e300",
          String.valueOf(TokenVerifier.MAX_NUMERIC_DATE + 1), "9223372036854775807", "9223372036854775808",
          "18446744073709551616", "1" + "0".repeat(500), "1e400", "1E+2147483647")) {
        rows.add(claims(claim + " = " + (v.length() > 30 ? v.substring(0, 30) + "…" : v),
            "{\"" + claim + "\":" + v + "}", bad));
      }
    }
    rows.add(claims("malformed and expired: invalid wins", "{\"exp\":" + (NOW - 10) + ",\"sub\":5}", bad));

    // other claims of the wrong type
    for (String v : List.of("5", "null", "{}", "[\"u\"]", "true")) {
      rows.add(claims("sub = " + v, "{\"sub\":" + v + "}", bad));
    }
    for (String v : List.of("\"x\"", "null", "[]", "[{}]", "5", "false")) {
      rows.add(claims("info = " + v, "{\"info\":" + v + "}", bad));
    }
    for (String v : List.of("\"a\"", "null", "[1]", "[null]", "[[\"a\"]]", "[\"a\",{}]", "{\"a\":1}", "5")) {
      rows.add(claims("channels = " + v, "{\"channels\":" + v + "}", bad));
    }
    for (String v : List.of("null", "5", "[\"a\"]")) {
      rows.add(claims("channel = " + v, "{\"channel\":" + v + "}", bad));
    }

    // payload that is not one JSON object
    for (String p : List.of("[]", "\"sub\"", "42", "null", "", " ", "{", "{\"sub\":\"u\"", "{}x", "{}{}",
        "{\"sub\":\"u\",}", "{'sub':'u'}", "{\"sub\":\"u\",\"sub\":\"admin\"}", "{\"exp\":1,\"exp\":" + LATER + "}",
        "{\"info\":{\"a\":1,\"a\":2}}", "{\"info\":{\"x\":NaN}}", "{\"info\":{\"x\":1e400}}")) {
      rows.add(claims("payload " + p, p, bad));
    }
    rows.add(row("payload not UTF-8", sign(SECRET, Jwt.HS256_HEADER, "{\"sub\":\"\u00ff\"}").replaceFirst("\\..*?\\.",
        "." + b64(new byte[] {'{', '"', 's', 'u', 'b', '"', ':', '"', (byte) 0xff, '"', '}'}) + "."), bad));

    // header
    rows.add(row("alg none, empty signature", b64("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + b64("{\"sub\":\"admin\"}") + ".", bad));
    rows.add(row("alg none, HS256 signature", sign(SECRET, "{\"alg\":\"none\"}", "{\"sub\":\"admin\"}"), bad));
    rows.add(row("alg None", sign(SECRET, "{\"alg\":\"None\"}", "{}"), bad));
    rows.add(row("alg hs256 (case)", sign(SECRET, "{\"alg\":\"hs256\"}", "{}"), bad));
    rows.add(row("alg HS512", sign(SECRET, "{\"alg\":\"HS512\"}", "{}"), bad));
    rows.add(row("alg RS256", sign(SECRET, "{\"alg\":\"RS256\"}", "{}"), bad));
    rows.add(row("alg missing", sign(SECRET, "{\"typ\":\"JWT\"}", "{}"), bad));
    rows.add(row("alg null", sign(SECRET, "{\"alg\":null}", "{}"), bad));
    rows.add(row("alg array", sign(SECRET, "{\"alg\":[\"HS256\"]}", "{}"), bad));
    rows.add(row("alg twice", sign(SECRET, "{\"alg\":\"none\",\"alg\":\"HS256\"}", "{}"), bad));
    rows.add(row("typ number", sign(SECRET, "{\"alg\":\"HS256\",\"typ\":1}", "{}"), bad));
    rows.add(row("crit header", sign(SECRET, "{\"alg\":\"HS256\",\"crit\":[\"exp\"]}", "{}"), bad));
    rows.add(row("header array", sign(SECRET, "[\"HS256\"]", "{}"), bad));
    rows.add(row("header not JSON", sign(SECRET, "HS256", "{}"), bad));
    rows.add(row("header empty", sign(SECRET, "", "{}"), bad));

    // signature
    rows.add(row("wrong secret", sign("some-other-secret", "{\"sub\":\"u1\"}"), bad));
    rows.add(row("empty signature", withSignature(valid(), ""), bad));
    rows.add(row("signature truncated", withSignature(valid(), valid().substring(valid().lastIndexOf('.') + 1, valid().length() - 4)), bad));
    rows.add(row("signature of another payload", withSignature(valid(), sign(SECRET, "{\"sub\":\"u2\"}")
        .substring(sign(SECRET, "{\"sub\":\"u2\"}").lastIndexOf('.') + 1)), bad));
    String good = valid();
    String[] parts = good.split("\\.");
    rows.add(row("payload swapped, signature kept", parts[0] + "." + b64("{\"sub\":\"admin\"}") + "." + parts[2], bad));
    rows.add(row("signature with 33 bytes", withSignature(good, parts[2] + "AA"), bad));
    rows.add(row("signature twice", withSignature(good, parts[2] + parts[2]), bad));

    // base64url
    rows.add(row("padding in signature", good + "=", bad));
    rows.add(row("padding in payload", parts[0] + "." + parts[1] + "=." + parts[2], bad));
    rows.add(row("standard base64 alphabet", parts[0] + "." + parts[1] + "." + parts[2].replace('-', '+').replace('_', '/')
        + (parts[2].contains("-") || parts[2].contains("_") ? "" : "+"), bad));
    rows.add(row("space inside", parts[0] + "." + parts[1] + " ." + parts[2], bad));
    rows.add(row("newline inside", parts[0] + ".\n" + parts[1] + "." + parts[2], bad));
    rows.add(row("non-ASCII character", parts[0] + "." + parts[1] + "é." + parts[2], bad));
    rows.add(row("length 1 mod 4", parts[0] + "." + parts[1] + "A." + parts[2], bad));
    rows.add(row("stray bits in the last character", nonCanonical(parts[2]) == null ? "x"
        : parts[0] + "." + parts[1] + "." + nonCanonical(parts[2]), bad));

    // structure
    rows.add(row("empty", "", bad));
    rows.add(row("null", null, bad));
    rows.add(row("one part", parts[0], bad));
    rows.add(row("two parts", parts[0] + "." + parts[1], bad));
    rows.add(row("extra dot at the end", good + ".", bad));
    rows.add(row("four parts", good + "." + parts[2], bad));
    rows.add(row("dot at the start", "." + good, bad));
    rows.add(row("only dots", "..", bad));
    rows.add(row("empty header", "." + parts[1] + "." + parts[2], bad));
    rows.add(row("not a jwt", "not.a.jwt", bad));

    // size
    rows.add(claims("large but under the cap", "{\"info\":{\"pad\":\"" + "x".repeat(40_000) + "\"}}", ok));
    rows.add(claims("over the cap, correctly signed", "{\"info\":{\"pad\":\"" + "x".repeat(60_000) + "\"}}", bad));
    rows.add(row("one megabyte of garbage", "a".repeat(1 << 20), bad));
    rows.add(claims("info nested 5000 deep", "{\"info\":" + "{\"a\":".repeat(5000) + "1" + "}".repeat(5000) + "}", bad));
    rows.add(claims("channels nested 10000 deep", "{\"channels\":" + "[".repeat(10000) + "]".repeat(10000) + "}", bad));
    rows.add(claims("exp with 2000 digits", "{\"exp\":" + "9".repeat(2000) + "}", bad));
    return rows.stream();
  }

  /** The same characters with a non-zero unused low bit in the last one, or null if none exist. */
  static String nonCanonical(String b64) {
    if (b64.length() % 4 == 0) {
      return null;
    }
    char last = b64.charAt(b64.length() - 1);
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    return b64.substring(0, b64.length() - 1) + alphabet.charAt(alphabet.indexOf(last) | 1);
  }

  static TokenVerifier verifier() {
    return new TokenVerifier(SECRET, new FakeClock().advanceMillis(NOW * 1000 - new FakeClock().epochMillis()));
  }

  @ParameterizedTest(name = "{0} -> {2}")
  @MethodSource("table")
  void classifiesEveryToken(String name, String token, Outcome expected) {
    Result r = verifier().verify(token);
    Outcome got = r instanceof Valid ? Outcome.VALID : r instanceof Expired ? Outcome.EXPIRED : Outcome.INVALID;
    assertThat(got).as("%s: %s", name, r).isEqualTo(expected);
    if (r instanceof Invalid i && token != null && token.length() > 8) {
      assertThat(i.why()).as("the reason quotes nothing of the token").doesNotContain(token.substring(0, 8));
    }
  }

  @Test
  void validTokenYieldsItsClaims() {
    String token = sign(SECRET, new JsonObject().put("sub", "u7").put("exp", LATER)
        .put("info", new JsonObject().put("name", "Ann")).put("channels", new JsonArray().add("a").add("b")));
    Valid v = (Valid) verifier().verify(token);
    assertThat(v.user()).isEqualTo("u7");
    assertThat(v.expiresAtEpochSeconds()).isEqualTo(LATER);
    assertThat(v.info()).isEqualTo(new JsonObject().put("name", "Ann"));
    assertThat(v.channels()).containsExactly("a", "b");
    assertThat(v.channel()).isNull();
    Valid anon = (Valid) verifier().verify(sign(SECRET, "{}"));
    assertThat(anon.user()).isEmpty();
    assertThat(anon.expiresAtEpochSeconds()).isZero();
    assertThat(anon.info()).isNull();
  }

  @Test
  void tokenFromAnotherJwtLibraryVerifies() {
    Vertx vertx = Vertx.vertx();
    try {
      JWTAuth lib = JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(
          new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(SECRET)));
      String token = lib.generateToken(new JsonObject().put("sub", "u9").put("exp", LATER)
          .put("channels", new JsonArray().add("x")), new JWTOptions().setNoTimestamp(true));
      Valid v = (Valid) verifier().verify(token);
      assertThat(v.user()).isEqualTo("u9");
      assertThat(v.channels()).containsExactly("x");
    } finally {
      vertx.close().await();
    }
  }

  @Test
  void expiryIsJudgedByTheClock() {
    FakeClock clock = new FakeClock().advanceMillis(NOW * 1000 - new FakeClock().epochMillis());
    TokenVerifier v = new TokenVerifier(SECRET, clock);
    String token = sign(SECRET, "{\"exp\":" + (NOW + 2) + "}");
    assertThat(v.verify(token)).isInstanceOf(Valid.class);
    clock.advanceMillis(1999);
    assertThat(v.verify(token)).isInstanceOf(Valid.class);
    clock.advanceMillis(1);
    assertThat(v.verify(token)).isInstanceOf(Expired.class);
  }

  @Test
  void subscriptionTokenMustNameTheChannelAndTheUser() {
    TokenVerifier v = verifier();
    String token = sign(SECRET, "{\"sub\":\"u1\",\"channel\":\"priv:a\",\"exp\":" + LATER + "}");
    assertThat(v.verifySubscription(token, "u1", "priv:a")).isInstanceOf(Valid.class);
    assertThat(v.verifySubscription(token, "u2", "priv:a")).isInstanceOf(Invalid.class);
    assertThat(v.verifySubscription(token, "u1", "priv:b")).isInstanceOf(Invalid.class);
    assertThat(v.verifySubscription(sign(SECRET, "{\"sub\":\"u1\"}"), "u1", "priv:a")).isInstanceOf(Invalid.class);
    assertThat(v.verifySubscription(sign(SECRET, "{\"sub\":\"u1\",\"channel\":\"priv:a\",\"exp\":" + NOW + "}"), "u1", "priv:a"))
        .isInstanceOf(Expired.class);
    assertThat(v.verifySubscription(sign(SECRET, "{\"channel\":\"priv:a\"}"), "", "priv:a")).isInstanceOf(Valid.class);
  }
}
