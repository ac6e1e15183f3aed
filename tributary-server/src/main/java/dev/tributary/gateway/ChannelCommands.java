package dev.tributary.gateway;

import dev.tributary.protocol.Command;
import dev.tributary.protocol.ErrorCodes;
import dev.tributary.protocol.ProtocolCodec;
import dev.tributary.history.HistoryJson;
import dev.tributary.history.HistoryStore;
import dev.tributary.hooks.Hook;
import dev.tributary.hooks.HookCaller;
import dev.tributary.presence.PresenceJson;
import dev.tributary.hub.Hub;
import io.vertx.core.Future;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;

/**
 * The channel commands of one {@link Connection} that read or write a channel without changing
 * its subscriptions: publish, history, presence and presence_stats. Holds no state of its own;
 * runs on the connection's event loop, and answers that complete elsewhere (Redis) are brought
 * back there ({@link Connection#onOwner}) before they touch the connection.
 */
final class ChannelCommands {
  private final Connection conn;
  private final GatewayVerticle owner;

  ChannelCommands(Connection conn) {
    this.conn = conn;
    this.owner = conn.owner;
  }

  void publish(Command cmd) {
    String ch = conn.validChannel(cmd);
    if (ch == null) {
      return;
    }
    HookCaller hook = conn.hooks.caller(Hook.PUBLISH, ch);
    if (hook == null && !owner.gateway.rules.clientMayPublish(ch)) {
      conn.enqueue(ProtocolCodec.error(cmd.id(), ErrorCodes.PERMISSION_DENIED));
      return;
    }
    if (!cmd.params().containsKey("data")) {
      conn.enqueue(ProtocolCodec.error(cmd.id(), ErrorCodes.BAD_REQUEST, "bad request: data required"));
      return;
    }
    if (hook == null) {
      publish(cmd.id(), ch, cmd.params().getValue("data"), false);
      return;
    }
    // The publish hook decides (whatever allowClientPublish says), and may replace the data.
    JsonObject req = conn.hooks.request(true).put("channel", ch).put("data", cmd.params().getValue("data"));
    conn.hooks.ask(Hook.PUBLISH, hook, req).onComplete(ar -> {
      JsonObject r = conn.hooks.allowed(cmd.id(), ar);
      if (r != null) {
        publish(cmd.id(), ch, r.containsKey("data") ? r.getValue("data") : cmd.params().getValue("data"),
            Boolean.TRUE.equals(r.getValue("skip_history")));
      }
      conn.flush();
    });
  }

  /**
   * Publishes {@code data} to {@code ch} as this client's publication and answers command {@code id};
   * with {@code skipHistory} (a publish hook's answer) without history: no offset, nothing to recover.
   */
  private void publish(long id, String ch, Object dataValue, boolean skipHistory) {
    JsonObject publisher = new JsonObject().put("client", conn.clientId()).put("user", conn.user());
    JsonObject chanInfo = conn.tokens.channelInfo(ch);
    if (chanInfo != null) {
      publisher.put("chan_info", chanInfo); // the info claim of its subscription token, as Centrifugo
    }
    String info = publisher.encode();
    String data = Json.encode(dataValue);
    Future<Hub.Published> published = skipHistory
        ? owner.gateway.hub.publishExternal(ch, data, info, null, true)
        : owner.gateway.hub.publishExternal(ch, data, info);
    if (published.isComplete()) {
      // One node: answered here, before the publication's own push (queued to this loop) can reach
      // a publisher subscribed to the channel.
      conn.enqueue(publishAnswer(id, ch, published));
      return;
    }
    // Through the broker: acknowledged once it confirmed, refused otherwise (never acknowledged and lost).
    conn.onOwner(published).onComplete(ar -> {
      conn.enqueue(publishAnswer(id, ch, published));
      conn.flush();
    });
  }

  /** The reply to a publish whose future is complete: success, or the refusal as Centrifugo codes it. */
  private byte[] publishAnswer(long id, String ch, Future<Hub.Published> published) {
    if (published.succeeded()) {
      return ProtocolCodec.reply(id, "publish", null);
    }
    owner.log.debug("publish to {} by {} refused: {}", ch, conn.clientId(), published.cause().toString());
    return refusal(id, published.cause());
  }

  /** A refused publication's error reply: 106 when too large, else 100 marked temporary (retry later). */
  static byte[] refusal(long id, Throwable cause) {
    if (cause instanceof Hub.PublishRefused r) {
      if (!r.reason().temporary) {
        return ProtocolCodec.error(id, ErrorCodes.LIMIT_EXCEEDED, "limit exceeded: " + r.getMessage());
      }
      return ProtocolCodec.temporaryError(id, ErrorCodes.INTERNAL, "internal server error: " + r.reason().tag);
    }
    return ProtocolCodec.temporaryError(id, ErrorCodes.INTERNAL, ErrorCodes.message(ErrorCodes.INTERNAL));
  }

  /**
   * A page of history within {@link Connection#replyBudget}: read with the budget of now, encoded
   * with the budget of when the answer is there (live pushes may have been queued meanwhile).
   */
  void history(Command cmd) {
    String ch = conn.validChannel(cmd);
    if (ch == null) {
      return;
    }
    HistoryStore history = owner.gateway.hub.history();
    int size = owner.gateway.rules.historySize(ch);
    if (!availableToSubscriber(cmd, ch, size > 0)) {
      return;
    }
    HistoryJson.Query query;
    try {
      query = HistoryJson.query(cmd.params(), size);
    } catch (HistoryJson.BadRequest e) {
      conn.enqueue(ProtocolCodec.error(cmd.id(), ErrorCodes.BAD_REQUEST, e.getMessage()));
      return;
    }
    Future<HistoryStore.Page> answer = conn.onOwner(HistoryJson.read(history, ch, query, conn.replyBudget()));
    if (answer.isComplete()) {
      historyAnswered(cmd.id(), ch, answer);
    } else {
      answer.onComplete(ar -> {
        historyAnswered(cmd.id(), ch, answer);
        conn.flush();
      });
    }
  }

  private void historyAnswered(long id, String ch, Future<HistoryStore.Page> result) {
    if (conn.isClosed()) {
      return;
    }
    Throwable cause = result.cause();
    if (result.succeeded()) {
      try {
        conn.enqueue(ProtocolCodec.replyRaw(id, "history", HistoryJson.encode(ch, result.result(), conn.replyBudget())));
        return;
      } catch (HistoryJson.TooLarge e) {
        cause = e;
      }
    }
    if (cause instanceof HistoryJson.UnrecoverablePosition) {
      conn.enqueue(ProtocolCodec.error(id, ErrorCodes.UNRECOVERABLE_POSITION));
    } else if (cause instanceof HistoryJson.TooLarge e) {
      conn.enqueue(ProtocolCodec.error(id, ErrorCodes.LIMIT_EXCEEDED, e.getMessage()));
    } else {
      owner.log.debug("history for {} failed: {}", conn.clientId(), cause.toString());
      conn.enqueue(ProtocolCodec.error(id, ErrorCodes.INTERNAL));
    }
  }

  void presence(Command cmd, boolean stats) {
    String ch = conn.validChannel(cmd);
    if (ch == null) {
      return;
    }
    if (!availableToSubscriber(cmd, ch, owner.gateway.rules.presence(ch))) {
      return;
    }
    // With Redis the answer comes later, maybe on a Redis context: completed back on this
    // connection's event loop, where its state lives.
    Future<JsonObject> answer = conn.onOwner(PresenceJson.result(owner.gateway.presence, ch, stats));
    if (answer.isComplete()) {
      presenceAnswered(cmd, stats, answer);
    } else {
      answer.onComplete(ar -> {
        presenceAnswered(cmd, stats, answer);
        conn.flush();
      });
    }
  }

  /** The presence reply, or 100 (internal) when the store failed (Redis down): never no answer. */
  private void presenceAnswered(Command cmd, boolean stats, Future<JsonObject> answer) {
    if (answer.succeeded()) {
      conn.enqueue(ProtocolCodec.reply(cmd.id(), stats ? "presence_stats" : "presence", answer.result()));
    } else {
      owner.log.debug("presence of {} failed: {}", cmd.params().getValue("channel"), String.valueOf(answer.cause()));
      conn.enqueue(ProtocolCodec.error(cmd.id(), ErrorCodes.INTERNAL));
    }
  }

  /** A channel feature (history, presence): 108 where the namespace lacks it, 103 for non-subscribers. */
  private boolean availableToSubscriber(Command cmd, String ch, boolean enabled) {
    if (!enabled) {
      conn.enqueue(ProtocolCodec.error(cmd.id(), ErrorCodes.NOT_AVAILABLE));
      return false;
    }
    if (!conn.subscriptions.isSubscribed(ch)) {
      conn.enqueue(ProtocolCodec.error(cmd.id(), ErrorCodes.PERMISSION_DENIED));
      return false;
    }
    return true;
  }
}
