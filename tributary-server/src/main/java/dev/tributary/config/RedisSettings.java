package dev.tributary.config;

import dev.tributary.config.Option.Reload;
import io.vertx.core.json.JsonObject;

/**
 * How a node talks to one Redis ({@code redis.*} in the config file): where it is, how many pooled
 * command connections, how long a command may take, when the circuit breaker opens and closes,
 * and how fast the pub/sub subscriber reconnects.
 *
 * <p>Every setter validates and names the config key in its {@link ConfigException}, so the
 * config layer can map {@code redis.*} keys straight onto it (the JSON constructor is strict:
 * unknown keys and wrong types are refused).
 */
public final class RedisSettings {
  /** Default {@code redis.url}: a Redis on this host's default port. */
  public static final String DEFAULT_URL = "redis://127.0.0.1:6379";
  /** Default {@code redis.poolSize}: 8 pooled command connections. */
  public static final int DEFAULT_POOL_SIZE = 8;
  /**
   * Default {@code redis.maxPoolWaiting}: 1024 commands may wait for a pooled connection before
   * new ones fail (Vert.x's own default, 24, is too small for a cache in front of a busy node).
   */
  public static final int DEFAULT_MAX_POOL_WAITING = 1024;
  /** Default {@code redis.connectTimeoutMillis}: 2000 ms to open a TCP connection. */
  public static final int DEFAULT_CONNECT_TIMEOUT_MILLIS = 2000;
  /**
   * Default {@code redis.commandTimeoutMillis}: 2000 ms, the bound of every wait on Redis: a command
   * without reply then counts as failed (a pipelined connection that answers nothing is closed), a
   * publication is refused, a subscribe is answered without the broker.
   */
  public static final int DEFAULT_COMMAND_TIMEOUT_MILLIS = 2000;
  /** Default {@code redis.breakerMaxFailures}: 5 failures (within 10 s) open the breaker. */
  public static final int DEFAULT_BREAKER_MAX_FAILURES = 5;
  /** Default {@code redis.breakerResetTimeoutMillis}: 2000 ms open before a probe is let through. */
  public static final int DEFAULT_BREAKER_RESET_TIMEOUT_MILLIS = 2000;
  /** Default {@code redis.reconnectInitialDelayMillis}: 100 ms before the subscriber's 2nd attempt. */
  public static final int DEFAULT_RECONNECT_INITIAL_DELAY_MILLIS = 100;
  /** Default {@code redis.reconnectMaxDelayMillis}: 5000 ms, the cap of the doubling backoff. */
  public static final int DEFAULT_RECONNECT_MAX_DELAY_MILLIS = 5000;

  /**
   * The link keys of {@code redis.*} ({@code redis.url} is read by {@code RedisOptions}, which also
   * accepts {@code redis.urls}); all need a restart.
   */
  public static final OptionSet<RedisSettings> OPTIONS = OptionSet.of("redis", "url");
  private static final Option<RedisSettings, Integer> POOL_SIZE = OPTIONS.ints("poolSize", DEFAULT_POOL_SIZE,
      1, 1024, Reload.RESTART, o -> o.poolSize, (o, v) -> o.poolSize = v);
  private static final Option<RedisSettings, Integer> MAX_POOL_WAITING = OPTIONS.ints("maxPoolWaiting", DEFAULT_MAX_POOL_WAITING,
      1, 1_000_000, Reload.RESTART, o -> o.maxPoolWaiting, (o, v) -> o.maxPoolWaiting = v);
  private static final Option<RedisSettings, Integer> CONNECT_TIMEOUT_MILLIS = OPTIONS.ints("connectTimeoutMillis", DEFAULT_CONNECT_TIMEOUT_MILLIS,
      1, 60_000, Reload.RESTART, o -> o.connectTimeoutMillis, (o, v) -> o.connectTimeoutMillis = v);
  private static final Option<RedisSettings, Integer> COMMAND_TIMEOUT_MILLIS = OPTIONS.ints("commandTimeoutMillis", DEFAULT_COMMAND_TIMEOUT_MILLIS,
      1, 60_000, Reload.RESTART, o -> o.commandTimeoutMillis, (o, v) -> o.commandTimeoutMillis = v);
  private static final Option<RedisSettings, Integer> BREAKER_MAX_FAILURES = OPTIONS.ints("breakerMaxFailures", DEFAULT_BREAKER_MAX_FAILURES,
      1, 10_000, Reload.RESTART, o -> o.breakerMaxFailures, (o, v) -> o.breakerMaxFailures = v);
  private static final Option<RedisSettings, Integer> BREAKER_RESET_TIMEOUT_MILLIS = OPTIONS.ints("breakerResetTimeoutMillis", DEFAULT_BREAKER_RESET_TIMEOUT_MILLIS,
      10, 600_000, Reload.RESTART, o -> o.breakerResetTimeoutMillis, (o, v) -> o.breakerResetTimeoutMillis = v);
  private static final Option<RedisSettings, Integer> RECONNECT_INITIAL_DELAY_MILLIS = OPTIONS.ints("reconnectInitialDelayMillis", DEFAULT_RECONNECT_INITIAL_DELAY_MILLIS,
      1, 600_000, Reload.RESTART, o -> o.reconnectInitialDelayMillis, (o, v) -> o.reconnectInitialDelayMillis = v);
  private static final Option<RedisSettings, Integer> RECONNECT_MAX_DELAY_MILLIS = OPTIONS.ints("reconnectMaxDelayMillis", DEFAULT_RECONNECT_MAX_DELAY_MILLIS,
      1, 600_000, Reload.RESTART, o -> o.reconnectMaxDelayMillis, (o, v) -> o.reconnectMaxDelayMillis = v);

  private String url = DEFAULT_URL;
  /** Seeds of a Redis Cluster; set by {@code RedisOptions} from {@code redis.cluster}, not a link key. */
  private java.util.List<String> cluster = java.util.List.of();
  private int poolSize;
  private int maxPoolWaiting;
  private int connectTimeoutMillis;
  private int commandTimeoutMillis;
  private int breakerMaxFailures;
  private int breakerResetTimeoutMillis;
  private int reconnectInitialDelayMillis;
  private int reconnectMaxDelayMillis;

  public RedisSettings() {
    OPTIONS.reset(this);
  }

  public RedisSettings(RedisSettings o) {
    url = o.url;
    cluster = o.cluster;
    OPTIONS.copy(o, this);
  }

  /** Reads {@code redis.*} strictly: unknown keys, wrong types and out-of-range values throw. */
  public RedisSettings(JsonObject json) {
    this();
    OPTIONS.read(this, json);
    Object u = json == null ? null : json.getValue("url");
    if (u != null) {
      if (!(u instanceof String s)) {
        throw new ConfigException(key("url"), "must be a string, got " + u);
      }
      setUrl(s);
    }
  }

  public JsonObject toJson() {
    return new JsonObject().put("url", url).mergeIn(OPTIONS.write(this));
  }

  /** Connection string, {@code redis://[user:password@]host:port[/db]}. Default {@value #DEFAULT_URL}. */
  public String getUrl() {
    return url;
  }

  public RedisSettings setUrl(String v) {
    if (v == null || !(v.startsWith("redis://") || v.startsWith("rediss://") || v.startsWith("unix://"))) {
      throw new ConfigException(key("url"), "must start with redis://, rediss:// or unix://, got " + v);
    }
    this.url = v;
    return this;
  }

  /**
   * Seed URLs of a Redis Cluster ({@code redis.cluster}, which {@code RedisOptions} reads); empty
   * (the default) for one Redis at {@link #getUrl()}. With seeds, every client of a link is a
   * cluster client: it learns the slot map from the first seed that answers and sends each command
   * to the master of its keys' slot, following {@code MOVED} and {@code ASK}.
   */
  public java.util.List<String> getCluster() {
    return cluster;
  }

  /** Sets the seeds (see {@link #getCluster()}); the first one also becomes {@link #getUrl()}. */
  public RedisSettings setCluster(java.util.List<String> seeds) {
    for (int i = 0; i < seeds.size(); i++) {
      String s = seeds.get(i);
      if (s == null || !(s.startsWith("redis://") || s.startsWith("rediss://"))) {
        throw new ConfigException(key("cluster[" + i + "]"), "must start with redis:// or rediss://, got " + s);
      }
    }
    this.cluster = java.util.List.copyOf(seeds);
    if (!seeds.isEmpty()) {
      this.url = seeds.get(0);
    }
    return this;
  }

  /** True with {@code redis.cluster} seeds: Redis Cluster, sharded pub/sub, hash-tagged keys. */
  public boolean isCluster() {
    return !cluster.isEmpty();
  }

  /**
   * The Vert.x client options of one client of a link: standalone at {@link #getUrl()}, or a
   * cluster client over the seeds (masters only: a replica may lag, and every command here writes
   * or must read what was just written). The pool size and waiting bound are the caller's.
   */
  public io.vertx.redis.client.RedisOptions clientOptions() {
    io.vertx.redis.client.RedisOptions ro = new io.vertx.redis.client.RedisOptions();
    if (isCluster()) {
      ro.setType(io.vertx.redis.client.RedisClientType.CLUSTER)
          .setUseReplicas(io.vertx.redis.client.RedisReplicas.NEVER);
      cluster.forEach(ro::addConnectionString);
    } else {
      ro.setConnectionString(url);
    }
    ro.getNetClientOptions()
        .setConnectTimeout(connectTimeoutMillis)
        .setTcpNoDelay(true)
        .setTcpKeepAlive(true);
    return ro;
  }

  /** Pooled command connections. Default 8. */
  public int getPoolSize() {
    return poolSize;
  }

  public RedisSettings setPoolSize(int v) {
    this.poolSize = POOL_SIZE.check(v);
    return this;
  }

  /** Commands that may wait for a free pooled connection. Default 1024. */
  public int getMaxPoolWaiting() {
    return maxPoolWaiting;
  }

  public RedisSettings setMaxPoolWaiting(int v) {
    this.maxPoolWaiting = MAX_POOL_WAITING.check(v);
    return this;
  }

  /** TCP connect timeout, ms. Default 2000. */
  public int getConnectTimeoutMillis() {
    return connectTimeoutMillis;
  }

  public RedisSettings setConnectTimeoutMillis(int v) {
    this.connectTimeoutMillis = CONNECT_TIMEOUT_MILLIS.check(v);
    return this;
  }

  /** A command not answered within this many ms fails and counts towards the breaker. Default 1000. */
  public int getCommandTimeoutMillis() {
    return commandTimeoutMillis;
  }

  public RedisSettings setCommandTimeoutMillis(int v) {
    this.commandTimeoutMillis = COMMAND_TIMEOUT_MILLIS.check(v);
    return this;
  }

  /** Failures within the breaker's 10 s window that open it. Default 5. */
  public int getBreakerMaxFailures() {
    return breakerMaxFailures;
  }

  public RedisSettings setBreakerMaxFailures(int v) {
    this.breakerMaxFailures = BREAKER_MAX_FAILURES.check(v);
    return this;
  }

  /** How long the breaker stays open before one probe command is let through, ms. Default 2000. */
  public int getBreakerResetTimeoutMillis() {
    return breakerResetTimeoutMillis;
  }

  public RedisSettings setBreakerResetTimeoutMillis(int v) {
    this.breakerResetTimeoutMillis = BREAKER_RESET_TIMEOUT_MILLIS.check(v);
    return this;
  }

  /** First delay of the subscriber's reconnect backoff, ms (doubles per failed attempt). Default 100. */
  public int getReconnectInitialDelayMillis() {
    return reconnectInitialDelayMillis;
  }

  public RedisSettings setReconnectInitialDelayMillis(int v) {
    this.reconnectInitialDelayMillis = RECONNECT_INITIAL_DELAY_MILLIS.check(v);
    return this;
  }

  /** Cap of the subscriber's reconnect backoff, ms. Default 5000. */
  public int getReconnectMaxDelayMillis() {
    return reconnectMaxDelayMillis;
  }

  public RedisSettings setReconnectMaxDelayMillis(int v) {
    this.reconnectMaxDelayMillis = RECONNECT_MAX_DELAY_MILLIS.check(v);
    return this;
  }

  /** The effective cap: never below the initial delay. */
  public int effectiveReconnectMaxDelayMillis() {
    return Math.max(reconnectInitialDelayMillis, reconnectMaxDelayMillis);
  }

  private static String key(String name) {
    return "redis." + name;
  }

  @Override
  public String toString() {
    // Never print a password that may be in the URL.
    return toJson().put("url", url.replaceAll("//[^@/]*@", "//***@")).encode();
  }
}
