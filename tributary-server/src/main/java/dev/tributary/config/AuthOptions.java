package dev.tributary.config;

import io.vertx.core.json.JsonObject;
import java.util.Set;

/** {@code auth.*}: connection authentication. */
public final class AuthOptions {
  /** Default {@code auth.expiredCloseDelaySeconds} and {@code auth.expiredSubCloseDelaySeconds} (Centrifugo's). */
  public static final int DEFAULT_EXPIRED_CLOSE_DELAY_SECONDS = 25;

  private String tokenHmacSecret;
  private int expiredCloseDelaySeconds = DEFAULT_EXPIRED_CLOSE_DELAY_SECONDS;
  private int expiredSubCloseDelaySeconds = DEFAULT_EXPIRED_CLOSE_DELAY_SECONDS;

  public AuthOptions() {}

  public AuthOptions(AuthOptions o) {
    tokenHmacSecret = o.tokenHmacSecret;
    expiredCloseDelaySeconds = o.expiredCloseDelaySeconds;
    expiredSubCloseDelaySeconds = o.expiredSubCloseDelaySeconds;
  }

  public AuthOptions(JsonObject json) {
    JsonFields f = new JsonFields(json, "auth");
    f.rejectUnknown(Set.of("tokenHmacSecret", "expiredCloseDelaySeconds", "expiredSubCloseDelaySeconds"));
    setTokenHmacSecret(f.stringValue("tokenHmacSecret", null));
    expiredCloseDelaySeconds = f.intValue("expiredCloseDelaySeconds", DEFAULT_EXPIRED_CLOSE_DELAY_SECONDS, 0, 3600);
    expiredSubCloseDelaySeconds = f.intValue("expiredSubCloseDelaySeconds", DEFAULT_EXPIRED_CLOSE_DELAY_SECONDS, 0, 3600);
  }

  public JsonObject toJson() {
    return new JsonObject().put("tokenHmacSecret", tokenHmacSecret)
        .put("expiredCloseDelaySeconds", expiredCloseDelaySeconds)
        .put("expiredSubCloseDelaySeconds", expiredSubCloseDelaySeconds);
  }

  /**
   * Seconds a connection whose token's {@code exp} has passed may still send {@code refresh}
   * before it is closed with 3005 (Centrifugo's {@code client.expired_close_delay}). Default 25.
   */
  public int getExpiredCloseDelaySeconds() {
    return expiredCloseDelaySeconds;
  }

  public AuthOptions setExpiredCloseDelaySeconds(int v) {
    this.expiredCloseDelaySeconds = Check.range("auth.expiredCloseDelaySeconds", v, 0, 3600);
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
    this.expiredSubCloseDelaySeconds = Check.range("auth.expiredSubCloseDelaySeconds", v, 0, 3600);
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
    if (secret != null && secret.length() < 8) {
      throw new ConfigException("auth.tokenHmacSecret", "must be at least 8 characters");
    }
    this.tokenHmacSecret = secret;
    return this;
  }
}
