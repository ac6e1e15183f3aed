package dev.tributary.config;

import dev.tributary.config.Option.Reload;
import io.vertx.core.json.JsonObject;

/** {@code auth.*}: connection authentication. */
public final class AuthOptions {
  /** Default {@code auth.expiredCloseDelaySeconds} and {@code auth.expiredSubCloseDelaySeconds} (Centrifugo's). */
  public static final int DEFAULT_EXPIRED_CLOSE_DELAY_SECONDS = 25;

  static final OptionSet<AuthOptions> OPTIONS = OptionSet.of("auth");
  private static final Option<AuthOptions, String> TOKEN_HMAC_SECRET = OPTIONS.strings("tokenHmacSecret", null,
      "≥ 8 characters", (k, v) -> {
        if (v != null && v.length() < 8) {
          throw new ConfigException(k, "must be at least 8 characters");
        }
        return v;
      }, Reload.RESTART, o -> o.tokenHmacSecret, (o, v) -> o.tokenHmacSecret = v);
  private static final Option<AuthOptions, Integer> EXPIRED_CLOSE_DELAY_SECONDS = OPTIONS.ints(
      "expiredCloseDelaySeconds", DEFAULT_EXPIRED_CLOSE_DELAY_SECONDS, 0, 3600, Reload.RESTART,
      o -> o.expiredCloseDelaySeconds, (o, v) -> o.expiredCloseDelaySeconds = v);
  private static final Option<AuthOptions, Integer> EXPIRED_SUB_CLOSE_DELAY_SECONDS = OPTIONS.ints(
      "expiredSubCloseDelaySeconds", DEFAULT_EXPIRED_CLOSE_DELAY_SECONDS, 0, 3600, Reload.RESTART,
      o -> o.expiredSubCloseDelaySeconds, (o, v) -> o.expiredSubCloseDelaySeconds = v);

  private String tokenHmacSecret;
  private int expiredCloseDelaySeconds;
  private int expiredSubCloseDelaySeconds;

  public AuthOptions() {
    OPTIONS.reset(this);
  }

  public AuthOptions(AuthOptions o) {
    OPTIONS.copy(o, this);
  }

  public AuthOptions(JsonObject json) {
    this();
    OPTIONS.read(this, json);
  }

  public JsonObject toJson() {
    return OPTIONS.write(this);
  }

  /**
   * Seconds a connection whose token's {@code exp} has passed may still send {@code refresh}
   * before it is closed with 3005 (Centrifugo's {@code client.expired_close_delay}). Default 25.
   */
  public int getExpiredCloseDelaySeconds() {
    return expiredCloseDelaySeconds;
  }

  public AuthOptions setExpiredCloseDelaySeconds(int v) {
    this.expiredCloseDelaySeconds = EXPIRED_CLOSE_DELAY_SECONDS.check(v);
    return this;
  }

  /**
   * Seconds a subscription whose token's {@code exp} has passed may still send {@code sub_refresh}
   * before it ends with unsubscribe 2501 (Centrifugo's {@code client.expired_sub_close_delay}).
   * Default 25.
   */
  public int getExpiredSubCloseDelaySeconds() {
    return expiredSubCloseDelaySeconds;
  }

  public AuthOptions setExpiredSubCloseDelaySeconds(int v) {
    this.expiredSubCloseDelaySeconds = EXPIRED_SUB_CLOSE_DELAY_SECONDS.check(v);
    return this;
  }

  /**
   * HS256 secret of connection JWTs. Default none: connections are anonymous. When set, every
   * {@code connect} must carry a valid token.
   */
  public String getTokenHmacSecret() {
    return tokenHmacSecret;
  }

  public AuthOptions setTokenHmacSecret(String secret) {
    this.tokenHmacSecret = TOKEN_HMAC_SECRET.check(secret);
    return this;
  }
}
