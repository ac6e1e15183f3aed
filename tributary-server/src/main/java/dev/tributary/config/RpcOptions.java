package dev.tributary.config;

import dev.tributary.config.Option.Reload;
import io.vertx.core.json.JsonObject;

/** {@code rpc.*}: clients' {@code rpc} commands answered by modules over the event bus. */
public final class RpcOptions {
  public static final int DEFAULT_TIMEOUT_MILLIS = 5000;

  static final OptionSet<RpcOptions> OPTIONS = OptionSet.of("rpc");
  private static final Option<RpcOptions, Integer> TIMEOUT_MILLIS = OPTIONS.ints("timeoutMillis",
      DEFAULT_TIMEOUT_MILLIS, 1, 600_000, Reload.RESTART, o -> o.timeoutMillis, (o, v) -> o.timeoutMillis = v);

  private int timeoutMillis;

  public RpcOptions() {
    OPTIONS.reset(this);
  }

  public RpcOptions(RpcOptions o) {
    OPTIONS.copy(o, this);
  }

  public RpcOptions(JsonObject json) {
    this();
    OPTIONS.read(this, json);
  }

  public JsonObject toJson() {
    return OPTIONS.write(this);
  }

  /**
   * Milliseconds a module has to answer a client's {@code rpc}; past it the client gets error 100
   * ("rpc timeout") and a late answer is dropped. Default {@value #DEFAULT_TIMEOUT_MILLIS}.
   */
  public int getTimeoutMillis() {
    return timeoutMillis;
  }

  public RpcOptions setTimeoutMillis(int v) {
    this.timeoutMillis = TIMEOUT_MILLIS.check(v);
    return this;
  }
}
