package dev.tributary.config;

import io.vertx.core.json.JsonObject;
import java.util.Set;

/** {@code api.*}: the HTTP server API used by backends. */
public final class ApiOptions {
  private String key;

  public ApiOptions() {}

  public ApiOptions(ApiOptions o) {
    key = o.key;
  }

  public ApiOptions(JsonObject json) {
    JsonFields f = new JsonFields(json, "api");
    f.rejectUnknown(Set.of("key"));
    setKey(f.stringValue("key", null));
  }

  public JsonObject toJson() {
    return new JsonObject().put("key", key);
  }

  /**
   * The key backends send as {@code X-API-Key} (or {@code Authorization: apikey KEY}). Default
   * none: without a key every API call is refused with 401 (nothing is open by accident).
   */
  public String getKey() {
    return key;
  }

  public ApiOptions setKey(String key) {
    if (key != null && key.isEmpty()) {
      throw new ConfigException("api.key", "must not be empty (omit it or use null to disable the API)");
    }
    this.key = key;
    return this;
  }
}
