package dev.tributary.config;

import io.vertx.core.json.JsonObject;
import java.util.Set;

/** {@code gateway.*}: the WebSocket gateway, its limits, heartbeat and batching. */
public final class GatewayOptions {
  /** Default {@code gateway.maxConnections}: 100,000 per node. */
  public static final int DEFAULT_MAX_CONNECTIONS = 100_000;
  /** Default {@code gateway.maxFrameBytes}: 64 KiB per incoming frame/message. */
  public static final int DEFAULT_MAX_FRAME_BYTES = 64 * 1024;
  /** Default {@code gateway.maxQueueBytes}: 1 MiB unsent per connection, then close 3008. */
  public static final int DEFAULT_MAX_QUEUE_BYTES = 1 << 20;
  /** Default {@code gateway.maxChannelsPerConnection}: 128. */
  public static final int DEFAULT_MAX_CHANNELS_PER_CONNECTION = 128;
  /** Default {@code gateway.maxChannelLength}: 255 characters. */
  public static final int DEFAULT_MAX_CHANNEL_LENGTH = 255;
  /** Default {@code gateway.pingIntervalSeconds}: 25. */
  public static final int DEFAULT_PING_INTERVAL_SECONDS = 25;
  /** Default {@code gateway.pongTimeoutSeconds}: 8. */
  public static final int DEFAULT_PONG_TIMEOUT_SECONDS = 8;
  /** Default {@code gateway.instances}: 0 = one per event loop. */
  public static final int DEFAULT_INSTANCES = 0;
  /** Default {@code gateway.closeTimeoutMillis}: 1,000 ms from a close decision to the TCP close. */
  public static final int DEFAULT_CLOSE_TIMEOUT_MILLIS = 1000;
  /** Default {@code gateway.handshakeTimeoutMillis}: 10,000 ms from TCP accept to a first request. */
  public static final int DEFAULT_HANDSHAKE_TIMEOUT_MILLIS = 10_000;

  private int maxConnections = DEFAULT_MAX_CONNECTIONS;
  private int maxFrameBytes = DEFAULT_MAX_FRAME_BYTES;
  private int maxQueueBytes = DEFAULT_MAX_QUEUE_BYTES;
  private int maxChannelsPerConnection = DEFAULT_MAX_CHANNELS_PER_CONNECTION;
  private int maxChannelLength = DEFAULT_MAX_CHANNEL_LENGTH;
  private int pingIntervalSeconds = DEFAULT_PING_INTERVAL_SECONDS;
  private int pongTimeoutSeconds = DEFAULT_PONG_TIMEOUT_SECONDS;
  private int instances = DEFAULT_INSTANCES;
  private int closeTimeoutMillis = DEFAULT_CLOSE_TIMEOUT_MILLIS;
  private int handshakeTimeoutMillis = DEFAULT_HANDSHAKE_TIMEOUT_MILLIS;
  private BatchOptions batch = new BatchOptions();
  private RateLimitOptions rateLimit = new RateLimitOptions();

  public GatewayOptions() {}

  public GatewayOptions(GatewayOptions o) {
    maxConnections = o.maxConnections;
    maxFrameBytes = o.maxFrameBytes;
    maxQueueBytes = o.maxQueueBytes;
    maxChannelsPerConnection = o.maxChannelsPerConnection;
    maxChannelLength = o.maxChannelLength;
    pingIntervalSeconds = o.pingIntervalSeconds;
    pongTimeoutSeconds = o.pongTimeoutSeconds;
    instances = o.instances;
    closeTimeoutMillis = o.closeTimeoutMillis;
    handshakeTimeoutMillis = o.handshakeTimeoutMillis;
    batch = new BatchOptions(o.batch);
    rateLimit = new RateLimitOptions(o.rateLimit);
  }

  public GatewayOptions(JsonObject json) {
    JsonFields f = new JsonFields(json, "gateway");
    f.rejectUnknown(Set.of("maxConnections", "maxFrameBytes", "maxQueueBytes",
        "maxChannelsPerConnection", "maxChannelLength", "pingIntervalSeconds",
        "pongTimeoutSeconds", "instances", "closeTimeoutMillis", "handshakeTimeoutMillis", "batch", "rateLimit"));
    setMaxConnections(f.intValue("maxConnections", maxConnections, 1, 10_000_000));
    setMaxFrameBytes(f.intValue("maxFrameBytes", maxFrameBytes, 256, 64 << 20));
    setMaxQueueBytes(f.intValue("maxQueueBytes", maxQueueBytes, 1024, 1 << 30));
    setMaxChannelsPerConnection(f.intValue("maxChannelsPerConnection", maxChannelsPerConnection, 1, 1_000_000));
    setMaxChannelLength(f.intValue("maxChannelLength", maxChannelLength, 1, 65_536));
    setPingIntervalSeconds(f.intValue("pingIntervalSeconds", pingIntervalSeconds, 1, 3600));
    setPongTimeoutSeconds(f.intValue("pongTimeoutSeconds", pongTimeoutSeconds, 1, 3600));
    setInstances(f.intValue("instances", instances, 0, 1024));
    setCloseTimeoutMillis(f.intValue("closeTimeoutMillis", closeTimeoutMillis, 1, 600_000));
    setHandshakeTimeoutMillis(f.intValue("handshakeTimeoutMillis", handshakeTimeoutMillis, 1, 600_000));
    batch = new BatchOptions(f.object("batch"));
    rateLimit = new RateLimitOptions(f.object("rateLimit"));
    validate();
  }

  /** Cross-field checks, run after all keys are read. */
  public GatewayOptions validate() {
    if (pongTimeoutSeconds >= pingIntervalSeconds) {
      throw new ConfigException("gateway.pongTimeoutSeconds",
          "must be less than gateway.pingIntervalSeconds (" + pingIntervalSeconds + "), got " + pongTimeoutSeconds);
    }
    return this;
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("maxConnections", maxConnections)
        .put("maxFrameBytes", maxFrameBytes)
        .put("maxQueueBytes", maxQueueBytes)
        .put("maxChannelsPerConnection", maxChannelsPerConnection)
        .put("maxChannelLength", maxChannelLength)
        .put("pingIntervalSeconds", pingIntervalSeconds)
        .put("pongTimeoutSeconds", pongTimeoutSeconds)
        .put("instances", instances)
        .put("closeTimeoutMillis", closeTimeoutMillis)
        .put("handshakeTimeoutMillis", handshakeTimeoutMillis)
        .put("batch", batch.toJson())
        .put("rateLimit", rateLimit.toJson());
  }

  /**
   * Milliseconds from the server's decision to close a connection (slow consumer, shed, limit,
   * protocol error, shutdown) to the TCP close, whether or not the peer answered the close frame or
   * read what was queued. Default 1,000.
   */
  public int getCloseTimeoutMillis() {
    return closeTimeoutMillis;
  }

  public GatewayOptions setCloseTimeoutMillis(int v) {
    this.closeTimeoutMillis = Check.range("gateway.closeTimeoutMillis", v, 1, 600_000);
    return this;
  }

  /**
   * Milliseconds a TCP connection may take, from accept, to send its first complete HTTP request
   * (a WebSocket upgrade or an API call); then it is closed. Default 10,000.
   */
  public int getHandshakeTimeoutMillis() {
    return handshakeTimeoutMillis;
  }

  public GatewayOptions setHandshakeTimeoutMillis(int v) {
    this.handshakeTimeoutMillis = Check.range("gateway.handshakeTimeoutMillis", v, 1, 600_000);
    return this;
  }

  /**
   * TCP connections per node, counted from accept (WebSockets and HTTP connections alike); past it
   * the oldest connection that has not sent a request yet makes room, or else the new one is closed
   * (a WebSocket with 1013). Capped at start to the open-files limit less a reserve. Default 100,000.
   */
  public int getMaxConnections() {
    return maxConnections;
  }

  public GatewayOptions setMaxConnections(int v) {
    this.maxConnections = Check.range("gateway.maxConnections", v, 1, 10_000_000);
    return this;
  }

  /** Largest incoming WebSocket frame (and message), bytes; larger closes with 1009. Default 64 KiB. */
  public int getMaxFrameBytes() {
    return maxFrameBytes;
  }

  public GatewayOptions setMaxFrameBytes(int v) {
    this.maxFrameBytes = Check.range("gateway.maxFrameBytes", v, 256, 64 << 20);
    return this;
  }

  /** Unsent bytes per connection before it is closed as slow (3008). Default 1 MiB. */
  public int getMaxQueueBytes() {
    return maxQueueBytes;
  }

  public GatewayOptions setMaxQueueBytes(int v) {
    this.maxQueueBytes = Check.range("gateway.maxQueueBytes", v, 1024, 1 << 30);
    return this;
  }

  /** Subscriptions per connection; one more gets error 106. Default 128. */
  public int getMaxChannelsPerConnection() {
    return maxChannelsPerConnection;
  }

  public GatewayOptions setMaxChannelsPerConnection(int v) {
    this.maxChannelsPerConnection = Check.range("gateway.maxChannelsPerConnection", v, 1, 1_000_000);
    return this;
  }

  /** Longest channel name, characters; longer gets error 107. Default 255. */
  public int getMaxChannelLength() {
    return maxChannelLength;
  }

  public GatewayOptions setMaxChannelLength(int v) {
    this.maxChannelLength = Check.range("gateway.maxChannelLength", v, 1, 65_536);
    return this;
  }

  /** Seconds between server pings ({@code {}}). Default 25. */
  public int getPingIntervalSeconds() {
    return pingIntervalSeconds;
  }

  public GatewayOptions setPingIntervalSeconds(int v) {
    this.pingIntervalSeconds = Check.range("gateway.pingIntervalSeconds", v, 1, 3600);
    return this;
  }

  /** Seconds a client has to answer a ping with a pong before close 3012. Default 8. */
  public int getPongTimeoutSeconds() {
    return pongTimeoutSeconds;
  }

  public GatewayOptions setPongTimeoutSeconds(int v) {
    this.pongTimeoutSeconds = Check.range("gateway.pongTimeoutSeconds", v, 1, 3600);
    return this;
  }

  /** Gateway verticle instances; 0 = one per event loop. */
  public int getInstances() {
    return instances;
  }

  public GatewayOptions setInstances(int v) {
    this.instances = Check.range("gateway.instances", v, 0, 1024);
    return this;
  }

  public BatchOptions getBatch() {
    return batch;
  }

  public GatewayOptions setBatch(BatchOptions batch) {
    this.batch = batch;
    return this;
  }

  public RateLimitOptions getRateLimit() {
    return rateLimit;
  }

  public GatewayOptions setRateLimit(RateLimitOptions rateLimit) {
    this.rateLimit = rateLimit;
    return this;
  }
}
