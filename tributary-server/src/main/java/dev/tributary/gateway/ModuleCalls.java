package dev.tributary.gateway;

import dev.tributary.bus.Addresses;
import dev.tributary.protocol.Command;
import dev.tributary.protocol.ErrorCodes;
import dev.tributary.protocol.ProtocolCodec;
import dev.tributary.hooks.Hook;
import dev.tributary.hooks.HookCaller;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;

/**
 * A client's {@code rpc} and {@code send}, taken to modules over the event bus (see
 * {@link dev.tributary.coordinator.ModuleClient#rpc} and {@code onMessage}): plain addresses and
 * JsonObject bodies carrying the call and the caller's identity (client id, user, the token's
 * {@code info}), so a module elsewhere on a clustered bus answers the same way.
 *
 * <p>{@code rpc} is a request with {@code rpc.timeoutMillis} as its timeout: the answer's JsonObject
 * is the result's {@code data}; no handler for the method → 108 (Centrifugo's "not available"); a
 * module's {@code RpcException} → its code and message; no answer in time → 100 "rpc timeout";
 * any other failure → 100. Every rpc is answered, once. {@code send} is published to the message
 * handlers, never answered. Runs on the connection's event loop; answers are brought back there.
 */
final class ModuleCalls {
  private final Connection conn;
  private final GatewayVerticle owner;

  ModuleCalls(Connection conn) {
    this.conn = conn;
    this.owner = conn.owner;
  }

  private JsonObject caller() {
    JsonObject body = new JsonObject().put("client", conn.clientId()).put("user", conn.user());
    if (conn.tokenInfo() != null) {
      body.put("info", conn.tokenInfo());
    }
    return body;
  }

  void rpc(Command cmd) {
    Object m = cmd.params().getValue("method");
    if (m != null && !(m instanceof String)) {
      conn.enqueue(ProtocolCodec.error(cmd.id(), ErrorCodes.BAD_REQUEST, "bad request: method must be a string"));
      return;
    }
    String method = m == null ? "" : (String) m;
    HookCaller hook = conn.hooks.caller(Hook.RPC);
    if (hook != null) {
      // An rpc hook answers every method (Centrifugo's rpc proxy): its result's data is the reply's.
      JsonObject req = conn.hooks.request(true).put("method", method).put("data", cmd.params().getValue("data"));
      conn.hooks.ask(Hook.RPC, hook, req).onComplete(ar -> {
        JsonObject r = conn.hooks.allowed(cmd.id(), ar);
        if (r != null) {
          conn.enqueue(ProtocolCodec.reply(cmd.id(), "rpc", r.getValue("data") == null ? new JsonObject()
              : new JsonObject().put("data", r.getValue("data"))));
        }
        conn.flush();
      });
      return;
    }
    JsonObject body = caller().put("method", method).put("data", cmd.params().getValue("data"));
    long id = cmd.id();
    DeliveryOptions delivery = new DeliveryOptions().setSendTimeout(owner.gateway.options.getRpc().getTimeoutMillis());
    conn.onOwner(owner.vertx().eventBus().<JsonObject>request(Addresses.rpc(method), body, delivery))
        .onComplete(ar -> {
          if (ar.succeeded()) {
            conn.enqueue(ProtocolCodec.reply(id, "rpc", result(ar.result())));
          } else {
            conn.enqueue(error(id, method, ar.cause()));
          }
          conn.flush();
        });
  }

  private static JsonObject result(Message<JsonObject> answer) {
    Object data = answer.body();
    return data == null ? new JsonObject() : new JsonObject().put("data", data);
  }

  private byte[] error(long id, String method, Throwable cause) {
    if (cause instanceof ReplyException re) {
      switch (re.failureType()) {
        case NO_HANDLERS:
          return ProtocolCodec.error(id, ErrorCodes.NOT_AVAILABLE);
        case TIMEOUT:
          owner.log.debug("rpc {} of {} timed out", method, conn.clientId());
          return ProtocolCodec.error(id, ErrorCodes.INTERNAL, "rpc timeout");
        case RECIPIENT_FAILURE:
          if (re.failureCode() > 0) {
            String msg = re.getMessage();
            return ProtocolCodec.error(id, re.failureCode(), msg == null ? ErrorCodes.message(re.failureCode()) : msg);
          }
          break;
        default:
          break;
      }
    }
    owner.log.debug("rpc {} of {} failed: {}", method, conn.clientId(), String.valueOf(cause));
    return ProtocolCodec.error(id, ErrorCodes.INTERNAL);
  }

  void send(Command cmd) {
    owner.vertx().eventBus().publish(Addresses.CLIENT_MESSAGE, caller().put("data", cmd.params().getValue("data")));
  }
}
