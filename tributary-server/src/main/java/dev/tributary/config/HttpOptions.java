package dev.tributary.config;

import io.vertx.core.json.JsonObject;
import java.util.Set;

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

  private int port = DEFAULT_PORT;
  private String host = DEFAULT_HOST;
  private int maxBodyBytes = DEFAULT_MAX_BODY_BYTES;
  private int idleTimeoutSeconds = DEFAULT_IDLE_TIMEOUT_SECONDS;
  private boolean reusePort = DEFAULT_REUSE_PORT;

  public HttpOptions() {}

  public HttpOptions(HttpOptions o) {
    port = o.port;
    host = o.host;
    maxBodyBytes = o.maxBodyBytes;
    idleTimeoutSeconds = o.idleTimeoutSeconds;
    reusePort = o.reusePort;
  }

  public HttpOptions(JsonObject json) {
    JsonFields f = new JsonFields(json, "http");
    f.rejectUnknown(Set.of("port", "host", "maxBodyBytes", "idleTimeoutSeconds", "reusePort"));
    setPort(f.intValue("port", port, 0, 65535));
    setHost(f.stringValue("host", host));
    setMaxBodyBytes(f.intValue("maxBodyBytes", maxBodyBytes, 1, Integer.MAX_VALUE));
    setIdleTimeoutSeconds(f.intValue("idleTimeoutSeconds", idleTimeoutSeconds, 1, 86_400));
    setReusePort(f.boolValue("reusePort", reusePort));
  }

  public JsonObject toJson() {
    return new JsonObject().put("port", port).put("host", host).put("maxBodyBytes", maxBodyBytes)
        .put("idleTimeoutSeconds", idleTimeoutSeconds).put("reusePort", reusePort);
  }

  /** TCP port, 0 = any free port. Default {@value #DEFAULT_PORT}. */
  public int getPort() {
    return port;
  }

  public HttpOptions setPort(int port) {
    this.port = Check.range("http.port", port, 0, 65535);
    return this;
  }

  /** Bind address. Default {@value #DEFAULT_HOST}. */
  public String getHost() {
    return host;
  }

  public HttpOptions setHost(String host) {
    if (host == null || host.isBlank()) {
      throw new ConfigException("http.host", "must not be empty");
    }
    this.host = host;
    return this;
  }

  /** Largest accepted HTTP API body, bytes; larger gets 413. Default 1 MiB. */
  public int getMaxBodyBytes() {
    return maxBodyBytes;
  }

  public HttpOptions setMaxBodyBytes(int maxBodyBytes) {
    this.maxBodyBytes = Check.range("http.maxBodyBytes", maxBodyBytes, 1, Integer.MAX_VALUE);
    return this;
  }

  /** Seconds without traffic after which an HTTP API connection is closed (not WebSockets: they have heartbeats). Default 60. */
  public int getIdleTimeoutSeconds() {
    return idleTimeoutSeconds;
  }

  public HttpOptions setIdleTimeoutSeconds(int v) {
    this.idleTimeoutSeconds = Check.range("http.idleTimeoutSeconds", v, 1, 86_400);
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
    this.reusePort = reusePort;
    return this;
  }
}
