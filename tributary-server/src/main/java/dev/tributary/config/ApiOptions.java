package dev.tributary.config;

import dev.tributary.config.Option.Reload;
import io.vertx.core.json.JsonObject;

/** {@code api.*}: the HTTP server API used by backends. */
public final class ApiOptions {
  /** Default {@code api.port}: -1, the API is served on {@code http.port} with the WebSocket gateway. */
  public static final int DEFAULT_PORT = -1;
  /** Default {@code api.idempotencyWindowSeconds}: 300 s (Centrifugo's 5 minutes). */
  public static final int DEFAULT_IDEMPOTENCY_WINDOW_SECONDS = 300;
  /** Default {@code api.idempotencyMaxKeys}: 100,000 keys kept per node when there is no Redis. */
  public static final int DEFAULT_IDEMPOTENCY_MAX_KEYS = 100_000;
  /** Default {@code api.nodeInfoIntervalSeconds}: 3 s between a node's announcements (Centrifugo's). */
  public static final int DEFAULT_NODE_INFO_INTERVAL_SECONDS = 3;

  static final OptionSet<ApiOptions> OPTIONS = OptionSet.of("api");
  private static final Option<ApiOptions, String> KEY = OPTIONS.strings("key", null, "not empty",
      (k, v) -> {
        if (v != null && v.isEmpty()) {
          throw new ConfigException(k, "must not be empty (omit it or use null to disable the API)");
        }
        return v;
      }, Reload.LIVE, o -> o.key, (o, v) -> o.key = v);
  private static final Option<ApiOptions, Integer> PORT = OPTIONS.ints("port", DEFAULT_PORT, -1, 65535,
      Reload.RESTART, o -> o.port, (o, v) -> o.port = v);
  private static final Option<ApiOptions, String> HOST = OPTIONS.strings("host", null, "not blank",
      (k, v) -> {
        if (v != null && v.isBlank()) {
          throw new ConfigException(k, "must not be empty (omit it to use http.host)");
        }
        return v;
      }, Reload.RESTART, o -> o.host, (o, v) -> o.host = v);
  private static final Option<ApiOptions, Integer> IDEMPOTENCY_WINDOW_SECONDS = OPTIONS.ints(
      "idempotencyWindowSeconds", DEFAULT_IDEMPOTENCY_WINDOW_SECONDS, 1, 86_400, Reload.RESTART,
      o -> o.idempotencyWindowSeconds, (o, v) -> o.idempotencyWindowSeconds = v);
  private static final Option<ApiOptions, Integer> IDEMPOTENCY_MAX_KEYS = OPTIONS.ints("idempotencyMaxKeys",
      DEFAULT_IDEMPOTENCY_MAX_KEYS, 1, 100_000_000, Reload.RESTART,
      o -> o.idempotencyMaxKeys, (o, v) -> o.idempotencyMaxKeys = v);
  private static final Option<ApiOptions, Integer> NODE_INFO_INTERVAL_SECONDS = OPTIONS.ints(
      "nodeInfoIntervalSeconds", DEFAULT_NODE_INFO_INTERVAL_SECONDS, 1, 60, Reload.RESTART,
      o -> o.nodeInfoIntervalSeconds, (o, v) -> o.nodeInfoIntervalSeconds = v);

  private String key;
  private int port;
  private String host;
  private int idempotencyWindowSeconds;
  private int idempotencyMaxKeys;
  private int nodeInfoIntervalSeconds;

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

  /**
   * A port of the API's own: the HTTP API, {@code /health}, {@code /metrics} and the dashboard are
   * served there only, and the main port ({@code http.port}) serves only WebSocket connections, so
   * the API need not be reachable by browsers. -1 (default): everything on {@code http.port}; 0:
   * any free port.
   */
  public int getPort() {
    return port;
  }

  public ApiOptions setPort(int port) {
    this.port = PORT.check(port);
    return this;
  }

  /** Whether the API has a port of its own ({@link #getPort()} is not -1). */
  public boolean hasOwnPort() {
    return port != DEFAULT_PORT;
  }

  /** The API port's bind address; default (null) {@code http.host}. Only with {@link #getPort()}. */
  public String getHost() {
    return host;
  }

  public ApiOptions setHost(String host) {
    this.host = HOST.check(host);
    return this;
  }

  /**
   * How long a publication's {@code idempotency_key} is remembered, seconds: a publish or broadcast
   * with the same key (and channel) within it is answered with the first one's result and not
   * published again, on every node. Default {@value #DEFAULT_IDEMPOTENCY_WINDOW_SECONDS}.
   */
  public int getIdempotencyWindowSeconds() {
    return idempotencyWindowSeconds;
  }

  public ApiOptions setIdempotencyWindowSeconds(int v) {
    this.idempotencyWindowSeconds = IDEMPOTENCY_WINDOW_SECONDS.check(v);
    return this;
  }

  /**
   * Idempotency keys a node remembers at most without Redis (least recently written dropped first);
   * with Redis they live there, each expiring after the window. Default
   * {@value #DEFAULT_IDEMPOTENCY_MAX_KEYS}.
   */
  public int getIdempotencyMaxKeys() {
    return idempotencyMaxKeys;
  }

  public ApiOptions setIdempotencyMaxKeys(int v) {
    this.idempotencyMaxKeys = IDEMPOTENCY_MAX_KEYS.check(v);
    return this;
  }

  /**
   * Seconds between a node's announcements to the others over Redis (for {@code info}); a node not
   * heard from for three intervals is dropped from {@code info} and {@code channels}. Default
   * {@value #DEFAULT_NODE_INFO_INTERVAL_SECONDS}.
   */
  public int getNodeInfoIntervalSeconds() {
    return nodeInfoIntervalSeconds;
  }

  public ApiOptions setNodeInfoIntervalSeconds(int v) {
    this.nodeInfoIntervalSeconds = NODE_INFO_INTERVAL_SECONDS.check(v);
    return this;
  }
}
