package dev.tributary.coordinator;

import dev.tributary.bus.Addresses;
import dev.tributary.bus.ModuleRegistration;
import dev.tributary.bus.ModuleUpdate;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/**
 * What a module verticle uses to talk to the coordinator over the event bus: register (id,
 * channel, optional key), send updates with a priority and a JSON payload, heartbeat, unregister.
 * Thread-safe; cheap to create.
 *
 * <pre>{@code
 * ModuleClient client = ModuleClient.create(vertx, "ticker");
 * client.register("ticker").onSuccess(v ->
 *     vertx.setPeriodic(1000, id -> client.update(Priority.MEDIUM, new JsonObject().put("n", n++))));
 * }</pre>
 */
public final class ModuleClient {
  private final Vertx vertx;
  private final String moduleId;

  private ModuleClient(Vertx vertx, String moduleId) {
    if (moduleId == null || moduleId.isBlank()) {
      throw new IllegalArgumentException("moduleId must not be empty");
    }
    this.vertx = vertx;
    this.moduleId = moduleId;
  }

  public static ModuleClient create(Vertx vertx, String moduleId) {
    return new ModuleClient(vertx, moduleId);
  }

  public String moduleId() {
    return moduleId;
  }

  /** Registers this module; its state goes to {@code channel} under the key "default". */
  public Future<Void> register(String channel) {
    return register(channel, null);
  }

  /** Registers this module; updates without a key use {@code defaultKey}. Re-registering updates the channel. */
  public Future<Void> register(String channel, String defaultKey) {
    return vertx.eventBus().request(Addresses.MODULE_REGISTER, new ModuleRegistration(moduleId, channel, defaultKey))
        .mapEmpty();
  }

  /** Sends the latest state under the default key. Fire-and-forget: coalescing may drop it for a newer one. */
  public void update(Priority priority, JsonObject payload) {
    update(null, priority, payload);
  }

  /** Sends the latest state of {@code key}. */
  public void update(String key, Priority priority, JsonObject payload) {
    vertx.eventBus().send(Addresses.MODULE_UPDATE, new ModuleUpdate(moduleId, key, priority, payload.encode()));
  }

  /** Tells the memory manager this module is alive even without updates. */
  public void heartbeat() {
    vertx.eventBus().send(Addresses.MODULE_HEARTBEAT, moduleId);
  }

  /** Unregisters; pending debounced updates of this module are dropped. */
  public Future<Void> unregister() {
    return vertx.eventBus().request(Addresses.MODULE_UNREGISTER, moduleId).mapEmpty();
  }
}
