package dev.tributary.config;

import dev.tributary.config.Option.Reload;
import io.vertx.core.json.JsonObject;

/**
 * {@code gateway.batch.*}: per-connection outbound batching. Pending replies and pushes of one
 * connection leave as one WebSocket frame, lines separated by {@code \n}.
 */
public final class BatchOptions {
  /** Default {@code gateway.batch.maxMessages}: 100 (the source documents' figure). */
  public static final int DEFAULT_MAX_MESSAGES = 100;
  /** Default {@code gateway.batch.maxBytes}: 64 KiB. */
  public static final int DEFAULT_MAX_BYTES = 64 * 1024;
  /**
   * Default {@code gateway.batch.maxDelayMillis}: 2 ms. Measured (docs/PERFORMANCE.md): flushing at
   * the end of each burst (0) costs one write syscall per subscriber per publication at moderate
   * rates and missed p99 < 50 ms from 300 publications/s at 1,000 subscribers; 2 ms holds p99
   * around 25 ms up to 1.5M deliveries/s for 2 ms of added latency.
   */
  public static final int DEFAULT_MAX_DELAY_MILLIS = 2;

  static final OptionSet<BatchOptions> OPTIONS = OptionSet.of("gateway.batch");
  private static final Option<BatchOptions, Integer> MAX_MESSAGES = OPTIONS.ints("maxMessages", DEFAULT_MAX_MESSAGES,
      1, 100_000, Reload.NEW_CONNECTIONS, o -> o.maxMessages, (o, v) -> o.maxMessages = v);
  private static final Option<BatchOptions, Integer> MAX_BYTES = OPTIONS.ints("maxBytes", DEFAULT_MAX_BYTES,
      64, 64 << 20, Reload.NEW_CONNECTIONS, o -> o.maxBytes, (o, v) -> o.maxBytes = v);
  private static final Option<BatchOptions, Integer> MAX_DELAY_MILLIS = OPTIONS.ints("maxDelayMillis",
      DEFAULT_MAX_DELAY_MILLIS, 0, 10_000, Reload.LIVE, o -> o.maxDelayMillis, (o, v) -> o.maxDelayMillis = v);

  private int maxMessages;
  private int maxBytes;
  private int maxDelayMillis;

  public BatchOptions() {
    OPTIONS.reset(this);
  }

  public BatchOptions(BatchOptions o) {
    OPTIONS.copy(o, this);
  }

  public BatchOptions(JsonObject json) {
    this();
    OPTIONS.read(this, json);
  }

  public JsonObject toJson() {
    return OPTIONS.write(this);
  }

  /** Messages per frame before a flush; 1 = no batching. Default 100. */
  public int getMaxMessages() {
    return maxMessages;
  }

  public BatchOptions setMaxMessages(int v) {
    this.maxMessages = MAX_MESSAGES.check(v);
    return this;
  }

  /** Bytes per frame before a flush. Default 64 KiB. */
  public int getMaxBytes() {
    return maxBytes;
  }

  public BatchOptions setMaxBytes(int v) {
    this.maxBytes = MAX_BYTES.check(v);
    return this;
  }

  /** Longest a message waits for companions, ms; 0 = until the event loop's burst ends. */
  public int getMaxDelayMillis() {
    return maxDelayMillis;
  }

  public BatchOptions setMaxDelayMillis(int v) {
    this.maxDelayMillis = MAX_DELAY_MILLIS.check(v);
    return this;
  }
}
