package dev.tributary.config;

import io.vertx.core.json.JsonObject;
import java.util.Set;

/** {@code rpc.*}: clients' {@code rpc} commands answered by modules over the event bus. */
public final class RpcOptions {
  public static final int DEFAULT_TIMEOUT_MILLIS = 5000;

  private int timeoutMillis = DEFAULT_TIMEOUT_MILLIS;

  public RpcOptions() {}

  public RpcOptions(RpcOptions o) {
    timeoutMillis = o.timeoutMillis;
  }

  public RpcOptions(JsonObject json) {
    JsonFields f = new JsonFields(json, "rpc");
    f.rejectUnknown(Set.of("timeoutMillis"));
    setTimeoutMillis(f.intValue("timeoutMillis", timeoutMillis, 1, 600_000));
  }

  public JsonObject toJson() {
    return new JsonObject().put("timeoutMillis", timeoutMillis);
  }

  /**
   * Milliseconds a module has to answer a client's {@code rpc}; past it the client gets error 100
   * ("rpc timeout") and a late answer is dropped. Default {@value #DEFAULT_TIMEOUT_MILLIS}, 1–600,000.
   */
  public int getTimeoutMillis() {
    return timeoutMillis;
  }

  public RpcOptions setTimeoutMillis(int v) {
    Check.range("rpc.timeoutMillis", v, 1, 600_000);
    this.timeoutMillis = v;
    return this;
  }
}
