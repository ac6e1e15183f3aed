package dev.tributary.config;

import dev.tributary.redis.RedisSettings;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code redis.*}: optional. With no URL the node runs alone on in-memory defaults. With one
 * ({@code redis.url}, or env {@code TRIBUTARY_REDIS_URL}) nodes share Redis for cross-node fan-out
 * and the second cache level; with several ({@code redis.urls}) channels and cache keys are
 * sharded across them by consistent hashing. The connection, timeout, breaker and reconnect keys
 * are those of {@link RedisSettings} and apply to every URL.
 */
public final class RedisOptions {
  private List<String> urls = new ArrayList<>();
  private boolean requiredForReadiness;
  private boolean degradedPublishLocal;
  private RedisSettings link = new RedisSettings();

  public RedisOptions() {}

  public RedisOptions(RedisOptions o) {
    this(o.toJson());
  }

  public RedisOptions(JsonObject json) {
    JsonObject j = json == null ? new JsonObject() : json.copy();
    JsonFields f = new JsonFields(j, "redis");
    requiredForReadiness = f.boolValue("requiredForReadiness", false);
    Object dp = j.getValue("degradedPublish");
    if (dp != null && !"refuse".equals(dp) && !"local".equals(dp)) {
      throw new ConfigException("redis.degradedPublish", "must be \"refuse\" or \"local\", got " + JsonFields.describe(dp));
    }
    degradedPublishLocal = "local".equals(dp);
    j.remove("degradedPublish");
    JsonArray list = f.array("urls");
    Object single = j.getValue("url");
    if (list != null && single != null) {
      throw new ConfigException("redis.urls", "use either redis.url or redis.urls, not both");
    }
    if (list != null) {
      for (int i = 0; i < list.size(); i++) {
        if (!(list.getValue(i) instanceof String s) || !s.startsWith("redis")) {
          throw new ConfigException("redis.urls[" + i + "]", "must be a redis:// URL, got " + JsonFields.describe(list.getValue(i)));
        }
        urls.add(s);
      }
    } else if (single != null) {
      if (!(single instanceof String s) || !s.startsWith("redis")) {
        throw new ConfigException("redis.url", "must be a redis:// URL, got " + JsonFields.describe(single));
      }
      urls.add(s);
    }
    j.remove("urls");
    j.remove("url");
    j.remove("requiredForReadiness");
    link = new RedisSettings(j);
  }

  public JsonObject toJson() {
    JsonObject j = link.toJson();
    j.remove("url");
    j.put("urls", new JsonArray(urls)).put("requiredForReadiness", requiredForReadiness)
        .put("degradedPublish", degradedPublishLocal ? "local" : "refuse");
    return j;
  }

  /** Redis URLs; empty = no Redis (one node, memory only). Default none. */
  public List<String> getUrls() {
    return urls;
  }

  public RedisOptions setUrls(List<String> urls) {
    this.urls = new ArrayList<>(urls);
    return this;
  }

  public boolean isEnabled() {
    return !urls.isEmpty();
  }

  /** {@code GET /ready} answers 503 while Redis is unreachable. Default false (degraded but ready). */
  public boolean isRequiredForReadiness() {
    return requiredForReadiness;
  }

  public RedisOptions setRequiredForReadiness(boolean v) {
    this.requiredForReadiness = v;
    return this;
  }

  /**
   * {@code redis.degradedPublish}: {@code "refuse"} (default) refuses a publication the broker
   * cannot take (503 / error 100); {@code "local"} delivers one of a channel without history on this
   * node only, answering {@code "local_only": true}: subscribers on other nodes miss it.
   */
  public boolean isDegradedPublishLocal() {
    return degradedPublishLocal;
  }

  public RedisOptions setDegradedPublishLocal(boolean v) {
    this.degradedPublishLocal = v;
    return this;
  }

  /** Link settings (pool, timeouts, breaker, reconnect) for {@code url}. */
  public RedisSettings linkFor(String url) {
    return new RedisSettings(link).setUrl(url);
  }

  public RedisSettings getLink() {
    return link;
  }
}
