package dev.tributary.config;

import io.vertx.core.json.JsonObject;
import java.util.Set;

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

  private int commandsPerSecond = DEFAULT_COMMANDS_PER_SECOND;
  private int burst = DEFAULT_BURST;
  private int maxRejected = DEFAULT_MAX_REJECTED;

  public RateLimitOptions() {}

  public RateLimitOptions(RateLimitOptions o) {
    commandsPerSecond = o.commandsPerSecond;
    burst = o.burst;
    maxRejected = o.maxRejected;
  }

  public RateLimitOptions(JsonObject json) {
    JsonFields f = new JsonFields(json, "gateway.rateLimit");
    f.rejectUnknown(Set.of("commandsPerSecond", "burst", "maxRejected"));
    setCommandsPerSecond(f.intValue("commandsPerSecond", commandsPerSecond, 0, 1_000_000));
    setBurst(f.intValue("burst", burst, 1, 1_000_000));
    setMaxRejected(f.intValue("maxRejected", maxRejected, 1, 1_000_000));
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("commandsPerSecond", commandsPerSecond)
        .put("burst", burst)
        .put("maxRejected", maxRejected);
  }

  /** Sustained commands per second per connection; 0 = unlimited. Default 100. */
  public int getCommandsPerSecond() {
    return commandsPerSecond;
  }

  public RateLimitOptions setCommandsPerSecond(int v) {
    this.commandsPerSecond = Check.range("gateway.rateLimit.commandsPerSecond", v, 0, 1_000_000);
    return this;
  }

  /** Bucket size: commands accepted at once after an idle period. Default 200. */
  public int getBurst() {
    return burst;
  }

  public RateLimitOptions setBurst(int v) {
    this.burst = Check.range("gateway.rateLimit.burst", v, 1, 1_000_000);
    return this;
  }

  /** Rejected commands in a row before close 3013. Default 20. */
  public int getMaxRejected() {
    return maxRejected;
  }

  public RateLimitOptions setMaxRejected(int v) {
    this.maxRejected = Check.range("gateway.rateLimit.maxRejected", v, 1, 1_000_000);
    return this;
  }
}
