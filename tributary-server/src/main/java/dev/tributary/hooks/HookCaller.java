package dev.tributary.hooks;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonObject;

/**
 * Asks one hook (a module over the event bus, or an HTTP backend) and checks its answer. The
 * future always completes, within the hook's timeout: with a {@link HookAnswer}, or failed with a
 * {@link HookFailure}. Call it on an event loop; the answer may complete on another thread.
 */
public interface HookCaller {
  /**
   * {@code request} is Centrifugo's proxy request JSON; {@code headers} the client's forwarded
   * upgrade headers (used by HTTP hooks; may be null).
   */
  Future<HookAnswer> call(JsonObject request, MultiMap headers);

  /** For logs and metrics: "module tributary.hook.connect" or "http http://…". */
  String describe();
}
