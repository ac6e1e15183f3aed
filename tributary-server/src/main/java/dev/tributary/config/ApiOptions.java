package dev.tributary.config;

import dev.tributary.config.Option.Reload;
import io.vertx.core.json.JsonObject;

/** {@code api.*}: the HTTP server API used by backends. */
public final class ApiOptions {
  static final OptionSet<ApiOptions> OPTIONS = OptionSet.of("api");
  private static final Option<ApiOptions, String> KEY = OPTIONS.strings("key", null, "not empty",
      (k, v) -> {
        if (v != null && v.isEmpty()) {
          throw new ConfigException(k, "must not be empty (omit it or use null to disable the API)");
        }
        return v;
      }, Reload.LIVE, o -> o.key, (o, v) -> o.key = v);

  private String key;

  public ApiOptions() {
    OPTIONS.reset(this);
  }

  public ApiOptions(ApiOptions o) {
    OPTIONS.copy(o, this);
  }

  public ApiOptions(JsonObject json) {
    this();
    OPTIONS.read(this, json);
  }

  public JsonObject toJson() {
    return OPTIONS.write(this);
  }

  /**
   * The key backends send as {@code X-API-Key} (or {@code Authorization: apikey KEY}). Default
   * none: without a key every API call is refused with 401 (nothing is open by accident).
   */
  public String getKey() {
    return key;
  }

  public ApiOptions setKey(String key) {
    this.key = KEY.check(key);
    return this;
  }
}
