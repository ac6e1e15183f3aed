package dev.tributary.bus;

/** Every event-bus address Tributary uses. Dotted, namespaced, one place. */
public final class Addresses {
  private Addresses() {}

  /** Request {@link ModuleRegistration}; reply "ok" or a failure. */
  public static final String MODULE_REGISTER = "tributary.module.register";
  /** Send {@link ModuleUpdate}; no reply. */
  public static final String MODULE_UPDATE = "tributary.module.update";
  /** Send the module id (String); no reply. */
  public static final String MODULE_HEARTBEAT = "tributary.module.heartbeat";
  /** Request the module id (String); reply "ok". */
  public static final String MODULE_UNREGISTER = "tributary.module.unregister";

  /** Request a mode name (String: MANUAL | HYBRID | FULLY_AUTO); reply the mode now in force. */
  public static final String COORDINATOR_MODE = "tributary.coordinator.mode";
  /** Request (empty); reply a JsonObject with the coordinator's status. */
  public static final String COORDINATOR_STATUS = "tributary.coordinator.status";
  /** Request a channel name; reply a JsonArray of the current states on that channel. */
  public static final String COORDINATOR_STATE = "tributary.coordinator.state";
  /** Request an inactive threshold in ms (Long, 0 = everything inactive now); reply a JsonObject summary. */
  public static final String COORDINATOR_SWEEP = "tributary.coordinator.sweep";

  /** Request a JsonObject of coordinator options (live reload); reply the status. */
  public static final String COORDINATOR_CONFIGURE = "tributary.coordinator.configure";

  /** Send {@link CoordinatedUpdate} to the batch processor. */
  public static final String BATCH_SUBMIT = "tributary.batch.submit";
  /** Request (JsonObject with optional windowMillis, maxSize); reply the batch processor's status. */
  public static final String BATCH_CONFIGURE = "tributary.batch.configure";

  /** Published {@link MemoryPressure} on every change of the pressure state. */
  public static final String MEMORY_PRESSURE = "tributary.memory.pressure";
  /** Request (empty); reply a JsonObject summary of a forced cleanup. */
  public static final String MEMORY_CLEANUP = "tributary.memory.cleanup";
  /** Request a JsonObject of new watermarks ({@code highWatermark}, {@code lowWatermark}); reply the status. */
  public static final String MEMORY_CONFIGURE = "tributary.memory.configure";
  /** Request (empty); reply the memory manager's status. */
  public static final String MEMORY_STATUS = "tributary.memory.status";

  /**
   * Prefix of the address of one RPC method ({@link #rpc(String)}): request a JsonObject
   * {@code {method, data, client, user, info}} from a client's {@code rpc}; reply a JsonObject (the
   * result's data) or fail with a code (see {@code dev.tributary.coordinator.RpcException}).
   */
  public static final String RPC_PREFIX = "tributary.rpc.";
  /** Published JsonObject {@code {data, client, user, info}} from a client's {@code send}; no reply. */
  public static final String CLIENT_MESSAGE = "tributary.client.message";

  /**
   * Prefix of the addresses of hooks ({@link #hook(String, String)}): request a JsonObject (the
   * hook's Centrifugo proxy request); reply a JsonObject (its proxy response), see
   * {@code dev.tributary.hooks.Hook}.
   */
  public static final String HOOK_PREFIX = "tributary.hook.";

  /**
   * The address of the module answering hook {@code event} (Centrifugo's event name: connect,
   * refresh, subscribe, publish, sub_refresh, rpc) for the channels of {@code namespace};
   * {@code tributary.hook.<event>} for a null or empty namespace (connection hooks, channels without
   * a namespace), else {@code tributary.hook.<event>.<namespace>}.
   */
  public static String hook(String event, String namespace) {
    return namespace == null || namespace.isEmpty() ? HOOK_PREFIX + event : HOOK_PREFIX + event + "." + namespace;
  }

  /** The address a module's handler of RPC {@code method} listens on. */
  public static String rpc(String method) {
    return RPC_PREFIX + method;
  }
}
