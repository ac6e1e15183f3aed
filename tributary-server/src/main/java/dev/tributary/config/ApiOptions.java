package dev.tributary.config;

import io.vertx.core.json.JsonObject;
import java.util.Set;

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

  private String key;
  private int port = DEFAULT_PORT;
  private String host;
  private int idempotencyWindowSeconds = DEFAULT_IDEMPOTENCY_WINDOW_SECONDS;
  private int idempotencyMaxKeys = DEFAULT_IDEMPOTENCY_MAX_KEYS;
  private int nodeInfoIntervalSeconds = DEFAULT_NODE_INFO_INTERVAL_SECONDS;

  public ApiOptions() {}

  public ApiOptions(ApiOptions o) {
    key = o.key;
    port = o.port;
    host = o.host;
    idempotencyWindowSeconds = o.idempotencyWindowSeconds;
    idempotencyMaxKeys = o.idempotencyMaxKeys;
    nodeInfoIntervalSeconds = o.nodeInfoIntervalSeconds;
  }

  public ApiOptions(JsonObject json) {
    JsonFields f = new JsonFields(json, "api");
    f.rejectUnknown(Set.of("key", "port", "host", "idempotencyWindowSeconds", "idempotencyMaxKeys",
        "nodeInfoIntervalSeconds"));
    setKey(f.stringValue("key", null));
    setPort(f.intValue("port", port, -1, 65535));
    setHost(f.stringValue("host", null));
    setIdempotencyWindowSeconds(f.intValue("idempotencyWindowSeconds", idempotencyWindowSeconds, 1, 86_400));
    setIdempotencyMaxKeys(f.intValue("idempotencyMaxKeys", idempotencyMaxKeys, 1, 100_000_000));
    setNodeInfoIntervalSeconds(f.intValue("nodeInfoIntervalSeconds", nodeInfoIntervalSeconds, 1, 60));
  }

  public JsonObject toJson() {
    return new JsonObject().put("key", key).put("port", port).put("host", host)
        .put("idempotencyWindowSeconds", idempotencyWindowSeconds).put("idempotencyMaxKeys", idempotencyMaxKeys)
        .put("nodeInfoIntervalSeconds", nodeInfoIntervalSeconds);
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
    this.port = Check.range("api.port", port, -1, 65535);
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
    if (host != null && host.isBlank()) {
      throw new ConfigException("api.host", "must not be empty (omit it to use http.host)");
    }
    this.host = host;
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
    this.idempotencyWindowSeconds = Check.range("api.idempotencyWindowSeconds", v, 1, 86_400);
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
    this.idempotencyMaxKeys = Check.range("api.idempotencyMaxKeys", v, 1, 100_000_000);
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
    this.nodeInfoIntervalSeconds = Check.range("api.nodeInfoIntervalSeconds", v, 1, 60);
    return this;
  }
}
