package dev.tributary.modules;

import dev.tributary.coordinator.ModuleClient;
import dev.tributary.bus.Priority;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;

/**
 * An example module: publishes a counter to a channel through the coordinator. Deploy it from the
 * config:
 *
 * <pre>{@code
 * "modules": [ { "class": "dev.tributary.modules.TickerModule",
 *                "config": { "id": "ticker", "channel": "ticker", "intervalMillis": 1000 } } ]
 * }</pre>
 *
 * Every tick is an update at {@code medium} priority; every tenth is {@code high}. Subscribers of
 * the channel get the coordinated (debounced, batched) state, and a new subscriber gets the latest
 * state first.
 */
public final class TickerModule extends VerticleBase {
  private ModuleClient client;
  private long ticks;

  @Override
  public Future<?> start() {
    JsonObject c = config();
    String id = c.getString("id", "ticker");
    String channel = c.getString("channel", "ticker");
    long interval = c.getLong("intervalMillis", 1000L);
    client = ModuleClient.create(vertx, id);
    return client.register(channel, "tick").onSuccess(v -> vertx.setPeriodic(interval, t -> {
      ticks++;
      client.update(ticks % 10 == 0 ? Priority.HIGH : Priority.MEDIUM,
          new JsonObject().put("tick", ticks).put("at", System.currentTimeMillis()));
    }));
  }

  @Override
  public Future<?> stop() {
    return client == null ? Future.succeededFuture() : client.unregister().otherwiseEmpty();
  }
}
