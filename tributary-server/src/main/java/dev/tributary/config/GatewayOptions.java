package dev.tributary.config;

import dev.tributary.config.Option.Reload;
import io.vertx.core.json.JsonObject;

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

  static final OptionSet<GatewayOptions> OPTIONS = OptionSet.of("gateway", "batch", "rateLimit");
  private static final Option<GatewayOptions, Integer> MAX_CONNECTIONS = OPTIONS.ints("maxConnections",
      DEFAULT_MAX_CONNECTIONS, 1, 10_000_000, Reload.LIVE, o -> o.maxConnections, (o, v) -> o.maxConnections = v);
  private static final Option<GatewayOptions, Integer> MAX_FRAME_BYTES = OPTIONS.ints("maxFrameBytes",
      DEFAULT_MAX_FRAME_BYTES, 256, 64 << 20, Reload.RESTART, o -> o.maxFrameBytes, (o, v) -> o.maxFrameBytes = v);
  private static final Option<GatewayOptions, Integer> MAX_QUEUE_BYTES = OPTIONS.ints("maxQueueBytes",
      DEFAULT_MAX_QUEUE_BYTES, 1024, 1 << 30, Reload.NEW_CONNECTIONS, o -> o.maxQueueBytes, (o, v) -> o.maxQueueBytes = v);
  private static final Option<GatewayOptions, Integer> MAX_CHANNELS_PER_CONNECTION = OPTIONS.ints(
      "maxChannelsPerConnection", DEFAULT_MAX_CHANNELS_PER_CONNECTION, 1, 1_000_000, Reload.NEW_CONNECTIONS,
      o -> o.maxChannelsPerConnection, (o, v) -> o.maxChannelsPerConnection = v);
  private static final Option<GatewayOptions, Integer> MAX_CHANNEL_LENGTH = OPTIONS.ints("maxChannelLength",
      DEFAULT_MAX_CHANNEL_LENGTH, 1, 65_536, Reload.LIVE, o -> o.maxChannelLength, (o, v) -> o.maxChannelLength = v);
  private static final Option<GatewayOptions, Integer> PING_INTERVAL_SECONDS = OPTIONS.ints("pingIntervalSeconds",
      DEFAULT_PING_INTERVAL_SECONDS, 1, 3600, Reload.RESTART, o -> o.pingIntervalSeconds,
      (o, v) -> o.pingIntervalSeconds = v);
  private static final Option<GatewayOptions, Integer> PONG_TIMEOUT_SECONDS = OPTIONS.ints("pongTimeoutSeconds",
      DEFAULT_PONG_TIMEOUT_SECONDS, 1, 3600, Reload.RESTART, o -> o.pongTimeoutSeconds,
      (o, v) -> o.pongTimeoutSeconds = v);
  private static final Option<GatewayOptions, Integer> INSTANCES = OPTIONS.ints("instances", DEFAULT_INSTANCES,
      0, 1024, Reload.RESTART, o -> o.instances, (o, v) -> o.instances = v);
  private static final Option<GatewayOptions, Integer> CLOSE_TIMEOUT_MILLIS = OPTIONS.ints("closeTimeoutMillis",
      DEFAULT_CLOSE_TIMEOUT_MILLIS, 1, 600_000, Reload.NEW_CONNECTIONS, o -> o.closeTimeoutMillis,
      (o, v) -> o.closeTimeoutMillis = v);
  private static final Option<GatewayOptions, Integer> HANDSHAKE_TIMEOUT_MILLIS = OPTIONS.ints(
      "handshakeTimeoutMillis", DEFAULT_HANDSHAKE_TIMEOUT_MILLIS, 1, 600_000, Reload.NEW_CONNECTIONS,
      o -> o.handshakeTimeoutMillis, (o, v) -> o.handshakeTimeoutMillis = v);

  private int maxConnections;
  private int maxFrameBytes;
  private int maxQueueBytes;
  private int maxChannelsPerConnection;
  private int maxChannelLength;
  private int pingIntervalSeconds;
  private int pongTimeoutSeconds;
  private int instances;
  private int closeTimeoutMillis;
  private int handshakeTimeoutMillis;
  private BatchOptions batch = new BatchOptions();
  private RateLimitOptions rateLimit = new RateLimitOptions();

  public GatewayOptions() {
    OPTIONS.reset(this);
  }

  public GatewayOptions(GatewayOptions o) {
    OPTIONS.copy(o, this);
    batch = new BatchOptions(o.batch);
    rateLimit = new RateLimitOptions(o.rateLimit);
  }

  public GatewayOptions(JsonObject json) {
    this();
    JsonFields f = OPTIONS.fields(this, json);
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
    return OPTIONS.write(this).put("batch", batch.toJson()).put("rateLimit", rateLimit.toJson());
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
    this.closeTimeoutMillis = CLOSE_TIMEOUT_MILLIS.check(v);
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
    this.handshakeTimeoutMillis = HANDSHAKE_TIMEOUT_MILLIS.check(v);
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
    this.maxConnections = MAX_CONNECTIONS.check(v);
    return this;
  }

  /** Largest incoming WebSocket frame (and message), bytes; larger closes with 1009. Default 64 KiB. */
  public int getMaxFrameBytes() {
    return maxFrameBytes;
  }

  public GatewayOptions setMaxFrameBytes(int v) {
    this.maxFrameBytes = MAX_FRAME_BYTES.check(v);
    return this;
  }

  /** Unsent bytes per connection before it is closed as slow (3008). Default 1 MiB. */
  public int getMaxQueueBytes() {
    return maxQueueBytes;
  }

  public GatewayOptions setMaxQueueBytes(int v) {
    this.maxQueueBytes = MAX_QUEUE_BYTES.check(v);
    return this;
  }

  /** Subscriptions per connection; one more gets error 106. Default 128. */
  public int getMaxChannelsPerConnection() {
    return maxChannelsPerConnection;
  }

  public GatewayOptions setMaxChannelsPerConnection(int v) {
    this.maxChannelsPerConnection = MAX_CHANNELS_PER_CONNECTION.check(v);
    return this;
  }

  /** Longest channel name, characters; longer gets error 107. Default 255. */
  public int getMaxChannelLength() {
    return maxChannelLength;
  }

  public GatewayOptions setMaxChannelLength(int v) {
    this.maxChannelLength = MAX_CHANNEL_LENGTH.check(v);
    return this;
  }

  /** Seconds between server pings ({@code {}}). Default 25. */
  public int getPingIntervalSeconds() {
    return pingIntervalSeconds;
  }

  public GatewayOptions setPingIntervalSeconds(int v) {
    this.pingIntervalSeconds = PING_INTERVAL_SECONDS.check(v);
    return this;
  }

  /** Seconds a client has to answer a ping with a pong before close 3012. Default 8. */
  public int getPongTimeoutSeconds() {
    return pongTimeoutSeconds;
  }

  public GatewayOptions setPongTimeoutSeconds(int v) {
    this.pongTimeoutSeconds = PONG_TIMEOUT_SECONDS.check(v);
    return this;
  }

  /** Gateway verticle instances; 0 = one per event loop. */
  public int getInstances() {
    return instances;
  }

  public GatewayOptions setInstances(int v) {
    this.instances = INSTANCES.check(v);
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
