package com.example;

import dev.tributary.coordinator.ModuleClient;
import dev.tributary.bus.Priority;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;

/**
 * The README's example module: registers channel {@code lobby} and publishes its state every
 * 500 ms; subscribers get it debounced, and a new subscriber gets the current state first. Its
 * config may set {@code online} (the number it reports; 42).
 */
public final class PresenceModule extends VerticleBase {
  @Override
  public Future<?> start() {
    ModuleClient client = ModuleClient.create(vertx, "presence");
    return client.register("lobby").onSuccess(v ->
        vertx.setPeriodic(500, t -> client.update(Priority.MEDIUM, new JsonObject().put("online", count()))));
  }

  private int count() {
    return config().getInteger("online", 42); // yours
  }
}
