package dev.tributary.config;

import dev.tributary.config.Option.Reload;
import io.vertx.core.json.JsonObject;

/**
 * {@code gateway.rateLimit.*}: per-connection command rate (token bucket). A command over the rate
 * gets error 111; {@code maxRejected} rejections in a row close the connection with 3013.
 */
public final class RateLimitOptions {
  /** Default {@code gateway.rateLimit.commandsPerSecond}: 100. */
  public static final int DEFAULT_COMMANDS_PER_SECOND = 100;
  /** Default {@code gateway.rateLimit.burst}: 200 commands. */
  public static final int DEFAULT_BURST = 200;
  /** Default {@code gateway.rateLimit.maxRejected}: 20 rejected commands in a row. */
  public static final int DEFAULT_MAX_REJECTED = 20;

  static final OptionSet<RateLimitOptions> OPTIONS = OptionSet.of("gateway.rateLimit");
  private static final Option<RateLimitOptions, Integer> COMMANDS_PER_SECOND = OPTIONS.ints("commandsPerSecond",
      DEFAULT_COMMANDS_PER_SECOND, 0, 1_000_000, Reload.NEW_CONNECTIONS, o -> o.commandsPerSecond,
      (o, v) -> o.commandsPerSecond = v);
  private static final Option<RateLimitOptions, Integer> BURST = OPTIONS.ints("burst", DEFAULT_BURST, 1, 1_000_000,
      Reload.NEW_CONNECTIONS, o -> o.burst, (o, v) -> o.burst = v);
  private static final Option<RateLimitOptions, Integer> MAX_REJECTED = OPTIONS.ints("maxRejected",
      DEFAULT_MAX_REJECTED, 1, 1_000_000, Reload.NEW_CONNECTIONS, o -> o.maxRejected, (o, v) -> o.maxRejected = v);

  private int commandsPerSecond;
  private int burst;
  private int maxRejected;

  public RateLimitOptions() {
    OPTIONS.reset(this);
  }

  public RateLimitOptions(RateLimitOptions o) {
    OPTIONS.copy(o, this);
  }

  public RateLimitOptions(JsonObject json) {
    this();
    OPTIONS.read(this, json);
  }

  public JsonObject toJson() {
    return OPTIONS.write(this);
  }

  /** Sustained commands per second per connection; 0 = unlimited. Default 100. */
  public int getCommandsPerSecond() {
    return commandsPerSecond;
  }

  public RateLimitOptions setCommandsPerSecond(int v) {
    this.commandsPerSecond = COMMANDS_PER_SECOND.check(v);
    return this;
  }

  /** Bucket size: commands accepted at once after an idle period. Default 200. */
  public int getBurst() {
    return burst;
  }

  public RateLimitOptions setBurst(int v) {
    this.burst = BURST.check(v);
    return this;
  }

  /** Rejected commands in a row before close 3013. Default 20. */
  public int getMaxRejected() {
    return maxRejected;
  }

  public RateLimitOptions setMaxRejected(int v) {
    this.maxRejected = MAX_REJECTED.check(v);
    return this;
  }
}
