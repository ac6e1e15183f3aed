package dev.tributary.coordinator;

import dev.tributary.bus.Addresses;
import dev.tributary.bus.ModuleRegistration;
import dev.tributary.bus.ModuleUpdate;
import dev.tributary.bus.Priority;
import dev.tributary.hooks.Hook;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a module verticle uses to talk to the coordinator over the event bus: register (id,
 * channel, optional key), send updates with a priority and a JSON payload, heartbeat, unregister;
 * and to hear clients: answer their {@code rpc} calls ({@link #rpc}), receive what they
 * {@code send} ({@link #onMessage}), and decide who may connect, subscribe and publish
 * ({@link #hook}). Plain event-bus addresses and JsonObject bodies, so a module
 * on another node of a clustered bus works the same. Thread-safe; cheap to create.
 *
 * <pre>{@code
 * ModuleClient client = ModuleClient.create(vertx, "ticker");
 * client.register("ticker").onSuccess(v ->
 *     vertx.setPeriodic(1000, id -> client.update(Priority.MEDIUM, new JsonObject().put("n", n++))));
 * client.rpc("getScore", req -> Future.succeededFuture(new JsonObject().put("score", 42)));
 * }</pre>
 */
public final class ModuleClient {
  private static final Logger log = LoggerFactory.getLogger(ModuleClient.class);
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

  /**
   * Answers clients' {@code rpc} calls of {@code method}. The handler gets
   * {@code {"method":M,"data":<the client's data, any JSON>,"client":<client id>,"user":<user id,
   * "" when anonymous>,"info":<the connection token's info claim, when it has one>}} and answers
   * with the result's data (null for none), or fails: with an {@link RpcException} the client gets
   * its code and message, with anything else 100 (internal server error). It runs on the calling
   * verticle's context; a handler that has not answered within {@code rpc.timeoutMillis} is
   * answered 100 "rpc timeout" for it. One handler per method and node: a second registration
   * of the same method would share the calls round-robin. Completes once the handler is
   * registered (on a clustered bus: known to the cluster); removed when the verticle is undeployed.
   */
  public Future<Void> rpc(String method, Function<JsonObject, Future<JsonObject>> handler) {
    if (method == null || method.isEmpty()) {
      throw new IllegalArgumentException("method must not be empty");
    }
    MessageConsumer<JsonObject> consumer = vertx.eventBus().consumer(Addresses.rpc(method), msg -> {
      answer(handler, msg.body()).onComplete(ar -> {
        if (ar.succeeded()) {
          msg.reply(ar.result());
        } else if (ar.cause() instanceof RpcException re) {
          msg.fail(re.code(), re.getMessage() == null ? "" : re.getMessage());
        } else {
          log.warn("module {}: rpc {} failed: {}", moduleId, method, ar.cause().toString());
          msg.fail(100, "internal server error");
        }
      });
    });
    return consumer.completion();
  }

  /**
   * Answers hook {@code hook} for the channels of {@code namespace} (null: channels without a
   * namespace, and the connection hooks connect, refresh and rpc, which have no namespace), where
   * the config names a module for it ({@code hooks.<hook>: {"module": true}}, or the namespace's
   * own {@code hooks}). The handler gets Centrifugo's proxy request JSON ({@code client},
   * {@code transport}, {@code protocol}, {@code encoding}, {@code user}, {@code meta}, and per hook
   * {@code channel}, {@code data}, {@code method}…) and answers Centrifugo's proxy response JSON,
   * built with {@link Hook#result}, {@link Hook#error} or {@link Hook#disconnect}: the same contract
   * as an HTTP backend's (see docs/PROTOCOL.md, "Hooks"). Failing with an {@link RpcException}
   * denies with its code and message; any other failure, or no answer within the hook's
   * {@code timeoutMillis}, answers the client error 100 and is counted. Runs on the calling
   * verticle's context; one handler per hook and namespace and node. Completes once registered.
   */
  public Future<Void> hook(Hook hook, String namespace, Function<JsonObject, Future<JsonObject>> handler) {
    String address = Addresses.hook(hook.wireName, namespace);
    return vertx.eventBus().<JsonObject>consumer(address, msg -> {
      answer(handler, msg.body()).onComplete(ar -> {
        if (ar.succeeded()) {
          msg.reply(ar.result() == null ? Hook.result(null) : ar.result()); // null: allow with nothing
        } else if (ar.cause() instanceof RpcException re) {
          msg.reply(Hook.error(re.code(), re.getMessage() == null ? "" : re.getMessage()));
        } else {
          log.warn("module {}: {} hook failed: {}", moduleId, hook.wireName, ar.cause().toString());
          msg.fail(100, "internal server error");
        }
      });
    }).completion();
  }

  /**
   * Receives what clients {@code send}: {@code {"data":<any JSON>,"client":…,"user":…,"info":…}}
   * (no reply; every module with a handler gets each message). Completes once registered.
   */
  public Future<Void> onMessage(Handler<JsonObject> handler) {
    return vertx.eventBus().<JsonObject>consumer(Addresses.CLIENT_MESSAGE, msg -> handler.handle(msg.body()))
        .completion();
  }

  /** Unregisters; pending debounced updates of this module are dropped. */
  public Future<Void> unregister() {
    return vertx.eventBus().request(Addresses.MODULE_UNREGISTER, moduleId).mapEmpty();
  }

  /** The handler's answer to {@code body}: a throw is a failed future, null a succeeded null. */
  private static Future<JsonObject> answer(Function<JsonObject, Future<JsonObject>> handler, JsonObject body) {
    Future<JsonObject> answer;
    try {
      answer = handler.apply(body);
    } catch (RuntimeException e) {
      answer = Future.failedFuture(e);
    }
    return answer == null ? Future.succeededFuture() : answer;
  }
}
