package dev.tributary.auth;

import dev.tributary.support.Clock;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.util.ArrayList;
import java.util.List;

/**
 * Verifies HS256 connection JWTs (vertx-auth-jwt) and reads the claims Tributary uses: {@code sub}
 * (user id), {@code exp} (seconds since epoch, optional) and {@code channels} (server-side
 * subscriptions, optional). Expiry is checked here against the injected clock so that "expired"
 * (109, the client may refresh) and "invalid" (3500, terminal) stay distinct.
 *
 * <p>One instance per event loop (the signature check uses a {@code Mac}); verification completes
 * synchronously on the calling thread.
 */
public final class TokenVerifier {

  /** Outcome of a verification. */
  public sealed interface Result permits Valid, Expired, Invalid {}

  public record Valid(String user, List<String> channels, long expiresAtEpochSeconds) implements Result {}

  public record Expired() implements Result {}

  public record Invalid(String why) implements Result {}

  private final JWTAuth jwt;
  private final Clock clock;

  public TokenVerifier(Vertx vertx, String hmacSecret, Clock clock) {
    this.clock = clock;
    this.jwt = JWTAuth.create(vertx, new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(hmacSecret))
        .setJWTOptions(new JWTOptions().setIgnoreExpiration(true)));
  }

  public Future<Result> verify(String token) {
    if (token == null || token.isEmpty()) {
      return Future.succeededFuture(new Invalid("empty token"));
    }
    return jwt.authenticate(new TokenCredentials(token))
        .map(user -> {
          // vertx-auth-jwt keeps the decoded claims under attributes.accessToken.
          JsonObject decoded = user.attributes().getJsonObject("accessToken");
          return claims(decoded != null ? decoded : user.principal());
        })
        .otherwise(err -> new Invalid(String.valueOf(err.getMessage())));
  }

  private Result claims(JsonObject c) {
    Object sub = c.getValue("sub");
    if (sub != null && !(sub instanceof String)) {
      return new Invalid("sub must be a string");
    }
    long exp = 0;
    Object expValue = c.getValue("exp");
    if (expValue != null) {
      if (!(expValue instanceof Number n)) {
        return new Invalid("exp must be a number");
      }
      exp = n.longValue();
      if (exp * 1000L <= clock.epochMillis()) {
        return new Expired();
      }
    }
    List<String> channels = List.of();
    Object ch = c.getValue("channels");
    if (ch != null) {
      if (!(ch instanceof JsonArray arr)) {
        return new Invalid("channels must be an array");
      }
      List<String> list = new ArrayList<>(arr.size());
      for (Object o : arr) {
        if (!(o instanceof String s)) {
          return new Invalid("channels must hold strings");
        }
        list.add(s);
      }
      channels = List.copyOf(list);
    }
    return new Valid(sub == null ? "" : (String) sub, channels, exp);
  }
}
