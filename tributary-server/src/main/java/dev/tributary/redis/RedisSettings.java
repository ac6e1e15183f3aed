package dev.tributary.redis;

import dev.tributary.config.ConfigException;
import io.vertx.core.json.JsonObject;
import java.util.List;

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

  static final List<String> KEYS = List.of("url", "poolSize", "maxPoolWaiting", "connectTimeoutMillis",
      "commandTimeoutMillis", "breakerMaxFailures", "breakerResetTimeoutMillis",
      "reconnectInitialDelayMillis", "reconnectMaxDelayMillis");

  private String url = DEFAULT_URL;
  private int poolSize = DEFAULT_POOL_SIZE;
  private int maxPoolWaiting = DEFAULT_MAX_POOL_WAITING;
  private int connectTimeoutMillis = DEFAULT_CONNECT_TIMEOUT_MILLIS;
  private int commandTimeoutMillis = DEFAULT_COMMAND_TIMEOUT_MILLIS;
  private int breakerMaxFailures = DEFAULT_BREAKER_MAX_FAILURES;
  private int breakerResetTimeoutMillis = DEFAULT_BREAKER_RESET_TIMEOUT_MILLIS;
  private int reconnectInitialDelayMillis = DEFAULT_RECONNECT_INITIAL_DELAY_MILLIS;
  private int reconnectMaxDelayMillis = DEFAULT_RECONNECT_MAX_DELAY_MILLIS;

  public RedisSettings() {}

  public RedisSettings(RedisSettings o) {
    url = o.url;
    poolSize = o.poolSize;
    maxPoolWaiting = o.maxPoolWaiting;
    connectTimeoutMillis = o.connectTimeoutMillis;
    commandTimeoutMillis = o.commandTimeoutMillis;
    breakerMaxFailures = o.breakerMaxFailures;
    breakerResetTimeoutMillis = o.breakerResetTimeoutMillis;
    reconnectInitialDelayMillis = o.reconnectInitialDelayMillis;
    reconnectMaxDelayMillis = o.reconnectMaxDelayMillis;
  }

  /** Reads {@code redis.*} strictly: unknown keys, wrong types and out-of-range values throw. */
  public RedisSettings(JsonObject json) {
    JsonObject j = json == null ? new JsonObject() : json;
    for (String name : j.fieldNames()) {
      if (!KEYS.contains(name)) {
        throw new ConfigException(key(name), "unknown key (known here: " + String.join(", ", KEYS) + ")");
      }
    }
    if (j.getValue("url") != null) {
      if (!(j.getValue("url") instanceof String s)) {
        throw new ConfigException(key("url"), "must be a string, got " + j.getValue("url"));
      }
      setUrl(s);
    }
    setPoolSize(intField(j, "poolSize", poolSize));
    setMaxPoolWaiting(intField(j, "maxPoolWaiting", maxPoolWaiting));
    setConnectTimeoutMillis(intField(j, "connectTimeoutMillis", connectTimeoutMillis));
    setCommandTimeoutMillis(intField(j, "commandTimeoutMillis", commandTimeoutMillis));
    setBreakerMaxFailures(intField(j, "breakerMaxFailures", breakerMaxFailures));
    setBreakerResetTimeoutMillis(intField(j, "breakerResetTimeoutMillis", breakerResetTimeoutMillis));
    setReconnectInitialDelayMillis(intField(j, "reconnectInitialDelayMillis", reconnectInitialDelayMillis));
    setReconnectMaxDelayMillis(intField(j, "reconnectMaxDelayMillis", reconnectMaxDelayMillis));
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("url", url)
        .put("poolSize", poolSize)
        .put("maxPoolWaiting", maxPoolWaiting)
        .put("connectTimeoutMillis", connectTimeoutMillis)
        .put("commandTimeoutMillis", commandTimeoutMillis)
        .put("breakerMaxFailures", breakerMaxFailures)
        .put("breakerResetTimeoutMillis", breakerResetTimeoutMillis)
        .put("reconnectInitialDelayMillis", reconnectInitialDelayMillis)
        .put("reconnectMaxDelayMillis", reconnectMaxDelayMillis);
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

  /** Pooled command connections. Default 8. */
  public int getPoolSize() {
    return poolSize;
  }

  public RedisSettings setPoolSize(int v) {
    this.poolSize = range("poolSize", v, 1, 1024);
    return this;
  }

  /** Commands that may wait for a free pooled connection. Default 1024. */
  public int getMaxPoolWaiting() {
    return maxPoolWaiting;
  }

  public RedisSettings setMaxPoolWaiting(int v) {
    this.maxPoolWaiting = range("maxPoolWaiting", v, 1, 1_000_000);
    return this;
  }

  /** TCP connect timeout, ms. Default 2000. */
  public int getConnectTimeoutMillis() {
    return connectTimeoutMillis;
  }

  public RedisSettings setConnectTimeoutMillis(int v) {
    this.connectTimeoutMillis = range("connectTimeoutMillis", v, 1, 60_000);
    return this;
  }

  /** A command not answered within this many ms fails and counts towards the breaker. Default 1000. */
  public int getCommandTimeoutMillis() {
    return commandTimeoutMillis;
  }

  public RedisSettings setCommandTimeoutMillis(int v) {
    this.commandTimeoutMillis = range("commandTimeoutMillis", v, 1, 60_000);
    return this;
  }

  /** Failures within the breaker's 10 s window that open it. Default 5. */
  public int getBreakerMaxFailures() {
    return breakerMaxFailures;
  }

  public RedisSettings setBreakerMaxFailures(int v) {
    this.breakerMaxFailures = range("breakerMaxFailures", v, 1, 10_000);
    return this;
  }

  /** How long the breaker stays open before one probe command is let through, ms. Default 2000. */
  public int getBreakerResetTimeoutMillis() {
    return breakerResetTimeoutMillis;
  }

  public RedisSettings setBreakerResetTimeoutMillis(int v) {
    this.breakerResetTimeoutMillis = range("breakerResetTimeoutMillis", v, 10, 600_000);
    return this;
  }

  /** First delay of the subscriber's reconnect backoff, ms (doubles per failed attempt). Default 100. */
  public int getReconnectInitialDelayMillis() {
    return reconnectInitialDelayMillis;
  }

  public RedisSettings setReconnectInitialDelayMillis(int v) {
    this.reconnectInitialDelayMillis = range("reconnectInitialDelayMillis", v, 1, 600_000);
    return this;
  }

  /** Cap of the subscriber's reconnect backoff, ms. Default 5000. */
  public int getReconnectMaxDelayMillis() {
    return reconnectMaxDelayMillis;
  }

  public RedisSettings setReconnectMaxDelayMillis(int v) {
    this.reconnectMaxDelayMillis = range("reconnectMaxDelayMillis", v, 1, 600_000);
    return this;
  }

  /** The effective cap: never below the initial delay. */
  int effectiveReconnectMaxDelayMillis() {
    return Math.max(reconnectInitialDelayMillis, reconnectMaxDelayMillis);
  }

  private static String key(String name) {
    return "redis." + name;
  }

  private static int range(String name, int v, int min, int max) {
    if (v < min || v > max) {
      throw new ConfigException(key(name), "must be between " + min + " and " + max + ", got " + v);
    }
    return v;
  }

  private static int intField(JsonObject j, String name, int current) {
    Object v = j.getValue(name);
    if (v == null) {
      return current;
    }
    if (!(v instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())
        || n.doubleValue() > Integer.MAX_VALUE || n.doubleValue() < Integer.MIN_VALUE) {
      throw new ConfigException(key(name), "must be an integer, got " + (v instanceof String s ? "\"" + s + "\"" : v));
    }
    return n.intValue();
  }

  @Override
  public String toString() {
    // Never print a password that may be in the URL.
    return toJson().put("url", url.replaceAll("//[^@/]*@", "//***@")).encode();
  }
}
