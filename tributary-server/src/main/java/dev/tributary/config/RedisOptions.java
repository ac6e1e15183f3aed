package dev.tributary.config;

import dev.tributary.config.Option.Reload;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code redis.*}: optional. With no URL the node runs alone on in-memory defaults. With one
 * ({@code redis.url}, or env {@code TRIBUTARY_REDIS_URL}) nodes share Redis for cross-node fan-out
 * and the second cache level; with several ({@code redis.urls}) channels and cache keys are
 * sharded across them by consistent hashing; with {@code redis.cluster} (seed URLs) nodes share a
 * Redis Cluster, channels spread over its masters by hash slot. The connection, timeout, breaker
 * and reconnect keys are those of {@link RedisSettings} and apply to every URL.
 */
public final class RedisOptions {
  static final OptionSet<RedisOptions> OPTIONS = OptionSet.of("redis");
  static {
    OPTIONS.described("url", Option.strings("`redis://[user:password@]host:port[/db]`", (k, v) -> v), null,
        Reload.RESTART);
    OPTIONS.described("urls", Option.stringLists("list of URLs (instead of `url`)"), List.of(), Reload.RESTART);
    OPTIONS.described("cluster", Option.stringLists("seed URLs of a Redis Cluster (instead of `url`/`urls`)"), List.of(),
        Reload.RESTART);
  }

  private static final Option<RedisOptions, Boolean> REQUIRED_FOR_READINESS = OPTIONS.bools("requiredForReadiness",
      false, Reload.RESTART, o -> o.requiredForReadiness, (o, v) -> o.requiredForReadiness = v);

  static {
    OPTIONS.choice("degradedPublish", "refuse", List.of("refuse", "local"), Option.exact(), true, Reload.RESTART,
        o -> o.degradedPublishLocal ? "local" : "refuse", (o, v) -> o.degradedPublishLocal = "local".equals(v));
  }

  private List<String> urls = new ArrayList<>();
  private List<String> cluster = new ArrayList<>();
  private boolean requiredForReadiness;
  private boolean degradedPublishLocal;
  private RedisSettings link = new RedisSettings();

  public RedisOptions() {
    OPTIONS.reset(this);
  }

  public RedisOptions(RedisOptions o) {
    this(o.toJson());
  }

  public RedisOptions(JsonObject json) {
    this();
    JsonObject j = json == null ? new JsonObject() : json.copy();
    JsonFields f = OPTIONS.fields(this, j, "redis", false);
    JsonArray list = f.array("urls");
    Object single = j.getValue("url");
    if (list != null && single != null) {
      throw new ConfigException("redis.urls", "use either redis.url or redis.urls, not both");
    }
    if (list != null) {
      for (int i = 0; i < list.size(); i++) {
        urls.add(checkUrl("redis.urls[" + i + "]", list.getValue(i)));
      }
    } else if (single != null) {
      urls.add(checkUrl("redis.url", single));
    }
    JsonArray seeds = f.array("cluster");
    if (seeds != null && (list != null || single != null)) {
      throw new ConfigException("redis.cluster", "use one of redis.url, redis.urls and redis.cluster, not several");
    }
    if (seeds != null) {
      if (seeds.isEmpty()) {
        throw new ConfigException("redis.cluster", "must list at least one seed URL of the cluster");
      }
      for (int i = 0; i < seeds.size(); i++) {
        cluster.add(checkUrl("redis.cluster[" + i + "]", seeds.getValue(i)));
      }
    }
    for (Option<RedisOptions, ?> o : OPTIONS.options()) {
      j.remove(o.name());
    }
    link = new RedisSettings(j);
  }

  private static String checkUrl(String key, Object v) {
    if (!(v instanceof String s) || !s.startsWith("redis")) {
      throw new ConfigException(key, "must be a redis:// URL, got " + JsonFields.describe(v));
    }
    return s;
  }

  public JsonObject toJson() {
    JsonObject j = link.toJson();
    j.remove("url");
    j.mergeIn(OPTIONS.write(this));
    // One way to reach Redis: an empty list beside the one in use would read back as "several".
    if (cluster.isEmpty()) {
      j.remove("cluster");
      j.put("urls", new JsonArray(urls));
    } else {
      j.remove("urls");
      j.put("cluster", new JsonArray(cluster));
    }
    return j;
  }

  /** Redis URLs; empty = no Redis (one node, memory only). Default none. */
  public List<String> getUrls() {
    return urls;
  }

  public RedisOptions setUrls(List<String> urls) {
    this.urls = new ArrayList<>(urls);
    if (!urls.isEmpty()) {
      this.cluster = new ArrayList<>();
    }
    return this;
  }

  public boolean isEnabled() {
    return !urls.isEmpty() || !cluster.isEmpty();
  }

  /**
   * {@code redis.cluster}: seed URLs of a Redis Cluster (7 or later: sharded pub/sub); empty = not
   * a cluster. Any reachable node of the cluster will do as a seed; the client learns the rest from
   * it. Exclusive with {@code redis.url} and {@code redis.urls}. Default none.
   */
  public List<String> getCluster() {
    return cluster;
  }

  public RedisOptions setCluster(List<String> seeds) {
    this.cluster = new ArrayList<>(seeds);
    if (!seeds.isEmpty()) {
      this.urls = new ArrayList<>();
    }
    return this;
  }

  public boolean isCluster() {
    return !cluster.isEmpty();
  }

  /**
   * Settings of each Redis link this node opens: one per {@code redis.urls} entry, or one cluster
   * link over the {@code redis.cluster} seeds.
   */
  public List<RedisSettings> links() {
    List<RedisSettings> out = new ArrayList<>();
    if (isCluster()) {
      out.add(new RedisSettings(link).setCluster(cluster));
    } else {
      urls.forEach(u -> out.add(linkFor(u)));
    }
    return out;
  }

  /** {@code GET /ready} answers 503 while Redis is unreachable. Default false (degraded but ready). */
  public boolean isRequiredForReadiness() {
    return requiredForReadiness;
  }

  public RedisOptions setRequiredForReadiness(boolean v) {
    this.requiredForReadiness = REQUIRED_FOR_READINESS.check(v);
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
