package dev.tributary.gateway;

import dev.tributary.protocol.Encoding;
import dev.tributary.protocol.ErrorCodes;
import dev.tributary.protocol.ProtocolCodec;
import dev.tributary.hooks.Hook;
import dev.tributary.hooks.HookAnswer;
import dev.tributary.hooks.HookCaller;
import dev.tributary.hooks.HookFailure;
import dev.tributary.hooks.Hooks;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonObject;

/**
 * The hooks of one {@link Connection} (see {@link Hooks}): the client's forwarded upgrade headers,
 * the {@code meta} its connect hook attached, the proxy request every hook gets
 * ({@code client}, {@code transport}, {@code protocol}, {@code encoding}, {@code user},
 * {@code meta}), and what a denial, a disconnect or a failure answers. Answers are brought back
 * to the connection's event loop; like the connection, this object is only touched there.
 */
final class HookCalls {
  private final Connection conn;
  private final GatewayVerticle owner;
  /** The allow-listed headers of the upgrade request, null when no hook is an HTTP one. */
  private final MultiMap forwarded;
  /** The connect hook's {@code meta}: sent with every later hook request of this connection. */
  JsonObject meta;

  HookCalls(Connection conn, MultiMap forwarded) {
    this.conn = conn;
    this.owner = conn.owner;
    this.forwarded = forwarded;
  }

  /** The connection hook {@code h}, or null when not configured. */
  HookCaller caller(Hook h) {
    Hooks hooks = owner.gateway.hooks;
    return hooks == null ? null : hooks.connection(h);
  }

  /** The channel hook {@code h} of {@code ch}, or null when not configured. */
  HookCaller caller(Hook h, String ch) {
    Hooks hooks = owner.gateway.hooks;
    return hooks == null ? null : hooks.channel(h, ch);
  }

  /** The request fields every hook gets; {@code user} except for connect (nobody is known yet). */
  JsonObject request(boolean withUser) {
    JsonObject r = new JsonObject().put("client", conn.clientId()).put("transport", "websocket")
        .put("protocol", conn.encoding == Encoding.JSON ? "json" : "protobuf").put("encoding", "json");
    if (withUser) {
      r.put("user", conn.user());
    }
    if (meta != null) {
      r.put("meta", meta);
    }
    return r;
  }

  /** Asks hook {@code h}; the answer (or its {@link HookFailure}) completes on this connection's event loop. */
  Future<HookAnswer> ask(Hook h, HookCaller caller, JsonObject request) {
    return conn.onOwner(owner.gateway.hooks.call(h, caller, request, forwarded));
  }

  /**
   * What the command {@code id} gets unless the hook allowed it: a denial is its error, a
   * disconnect closes the connection, a failure is error 100 (temporary: the SDKs retry). Returns
   * the allowing answer's result, or null when answered here (or the connection is closed).
   */
  JsonObject allowed(long id, AsyncResult<HookAnswer> ar) {
    if (conn.isClosed()) {
      return null;
    }
    if (ar.failed()) {
      owner.log.debug("hook for {} failed: {}", conn.clientId(), ar.cause().getMessage());
      conn.enqueue(ProtocolCodec.temporaryError(id, ErrorCodes.INTERNAL, ErrorCodes.message(ErrorCodes.INTERNAL)));
      return null;
    }
    HookAnswer a = ar.result();
    if (a instanceof HookAnswer.Allow allow) {
      return allow.result();
    }
    if (a instanceof HookAnswer.Deny d) {
      String message = d.message().isEmpty() ? ErrorCodes.message(d.code()) : d.message();
      conn.enqueue(d.temporary() ? ProtocolCodec.temporaryError(id, d.code(), message) : ProtocolCodec.error(id, d.code(), message));
      return null;
    }
    HookAnswer.Disconnect d = (HookAnswer.Disconnect) a;
    conn.close(d.code(), d.reason());
    return null;
  }
}
