package dev.tributary.config;

import io.vertx.core.json.JsonObject;
import java.util.Set;

/** {@code auth.*}: connection authentication. */
public final class AuthOptions {
  private String tokenHmacSecret;

  public AuthOptions() {}

  public AuthOptions(AuthOptions o) {
    tokenHmacSecret = o.tokenHmacSecret;
  }

  public AuthOptions(JsonObject json) {
    JsonFields f = new JsonFields(json, "auth");
    f.rejectUnknown(Set.of("tokenHmacSecret"));
    setTokenHmacSecret(f.stringValue("tokenHmacSecret", null));
  }

  public JsonObject toJson() {
    return new JsonObject().put("tokenHmacSecret", tokenHmacSecret);
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
