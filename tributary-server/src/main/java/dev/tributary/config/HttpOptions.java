package dev.tributary.config;

import dev.tributary.config.Option.Reload;
import io.vertx.core.json.JsonObject;

/** {@code http.*}: the one listening socket shared by the WebSocket gateway and the HTTP API. */
public final class HttpOptions {
  /** Default {@code http.port}: 8000 (Centrifugo's). */
  public static final int DEFAULT_PORT = 8000;
  /** Default {@code http.host}: all interfaces. */
  public static final String DEFAULT_HOST = "0.0.0.0";
  /** Default {@code http.maxBodyBytes}: 1 MiB, the largest HTTP API request body. */
  public static final int DEFAULT_MAX_BODY_BYTES = 1 << 20;
  /** Default {@code http.idleTimeoutSeconds}: 60 s without traffic closes an HTTP (non-WebSocket) connection. */
  public static final int DEFAULT_IDLE_TIMEOUT_SECONDS = 60;
  /** Default {@code http.reusePort}: false, a port in use makes the server fail to start. */
  public static final boolean DEFAULT_REUSE_PORT = false;

  static final OptionSet<HttpOptions> OPTIONS = OptionSet.of("http");
  private static final Option<HttpOptions, Integer> PORT = OPTIONS.ints("port", DEFAULT_PORT, 0, 65535,
      Reload.RESTART, o -> o.port, (o, v) -> o.port = v);
  private static final Option<HttpOptions, String> HOST = OPTIONS.strings("host", DEFAULT_HOST, "not empty",
      (k, v) -> {
        if (v == null || v.isBlank()) {
          throw new ConfigException(k, "must not be empty");
        }
        return v;
      }, Reload.RESTART, o -> o.host, (o, v) -> o.host = v);
  private static final Option<HttpOptions, Integer> MAX_BODY_BYTES = OPTIONS.ints("maxBodyBytes",
      DEFAULT_MAX_BODY_BYTES, 1, Integer.MAX_VALUE, Reload.RESTART, o -> o.maxBodyBytes, (o, v) -> o.maxBodyBytes = v);
  private static final Option<HttpOptions, Integer> IDLE_TIMEOUT_SECONDS = OPTIONS.ints("idleTimeoutSeconds",
      DEFAULT_IDLE_TIMEOUT_SECONDS, 1, 86_400, Reload.RESTART, o -> o.idleTimeoutSeconds,
      (o, v) -> o.idleTimeoutSeconds = v);
  private static final Option<HttpOptions, Boolean> REUSE_PORT = OPTIONS.bools("reusePort", DEFAULT_REUSE_PORT,
      Reload.RESTART, o -> o.reusePort, (o, v) -> o.reusePort = v);

  private int port;
  private String host;
  private int maxBodyBytes;
  private int idleTimeoutSeconds;
  private boolean reusePort;

  public HttpOptions() {
    OPTIONS.reset(this);
  }

  public HttpOptions(HttpOptions o) {
    OPTIONS.copy(o, this);
  }

  public HttpOptions(JsonObject json) {
    this();
    OPTIONS.read(this, json);
  }

  public JsonObject toJson() {
    return OPTIONS.write(this);
  }

  /** TCP port, 0 = any free port. Default {@value #DEFAULT_PORT}. */
  public int getPort() {
    return port;
  }

  public HttpOptions setPort(int port) {
    this.port = PORT.check(port);
    return this;
  }

  /** Bind address. Default {@value #DEFAULT_HOST}. */
  public String getHost() {
    return host;
  }

  public HttpOptions setHost(String host) {
    this.host = HOST.check(host);
    return this;
  }

  /** Largest accepted HTTP API body, bytes; larger gets 413. Default 1 MiB. */
  public int getMaxBodyBytes() {
    return maxBodyBytes;
  }

  public HttpOptions setMaxBodyBytes(int maxBodyBytes) {
    this.maxBodyBytes = MAX_BODY_BYTES.check(maxBodyBytes);
    return this;
  }

  /** Seconds without traffic after which an HTTP API connection is closed (not WebSockets: they have heartbeats). Default 60. */
  public int getIdleTimeoutSeconds() {
    return idleTimeoutSeconds;
  }

  public HttpOptions setIdleTimeoutSeconds(int v) {
    this.idleTimeoutSeconds = IDLE_TIMEOUT_SECONDS.check(v);
    return this;
  }

  /**
   * SO_REUSEPORT on the listening socket. Default false: a second server on a port in use fails to
   * start instead of silently sharing the port with an unrelated process. The gateway instances of
   * one node share one socket without it.
   */
  public boolean isReusePort() {
    return reusePort;
  }

  public HttpOptions setReusePort(boolean reusePort) {
    this.reusePort = REUSE_PORT.check(reusePort);
    return this;
  }
}
