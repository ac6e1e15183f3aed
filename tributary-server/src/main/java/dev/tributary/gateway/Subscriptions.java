package dev.tributary.gateway;

import dev.tributary.bus.Addresses;
import dev.tributary.config.GatewayOptions;
import dev.tributary.protocol.Command;
import dev.tributary.protocol.ErrorCodes;
import dev.tributary.protocol.ProtocolCodec;
import dev.tributary.protocol.SharedPush;
import dev.tributary.history.HistoryStore;
import dev.tributary.hooks.Hook;
import dev.tributary.hooks.HookCaller;
import dev.tributary.presence.PresenceStore;
import io.vertx.core.Future;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The subscriptions of one {@link Connection}: the channels it is subscribed to, and how their
 * subscribe answers are kept in order with the live pushes of those channels. It owns the channel
 * set, the de-duplication positions of channels answered with history ({@code skipUpTo}), the
 * pushes held while an answer is being read ({@code held}), the subscribe and unsubscribe
 * commands, the server-side subscriptions of connect, insufficient state (2500), presence
 * join/leave, and releasing all of it when the socket is gone.
 *
 * <p>One per connection, created with it. Like the connection, it is only ever touched on the
 * event loop that accepted the socket (its {@link GatewayVerticle}); asynchronous answers are
 * completed back there ({@link Connection#onOwner}), so there are no locks.
 */
final class Subscriptions {
  /** Pushes held for one channel before the subscription ends with insufficient state. */
  private static final int MAX_HELD = 10_000;
  /** Unsubscribe push code of the server API's {@code unsubscribe} (Centrifugo's {@code UnsubscribeCodeServer}). */
  static final int SERVER_UNSUBSCRIBE = 2000;
  /** Unsubscribe push code: subscribe again and recover (Centrifugo's "insufficient state"). */
  static final int INSUFFICIENT_STATE = 2500;

  private final Connection conn;
  private final GatewayVerticle owner;
  private final GatewayOptions opts;

  private Set<String> channels;
  /** Channels just subscribed with history: live pushes up to this offset were in the result. */
  private Map<String, Long> skipUpTo;
  /** Channels whose subscribe answer is being read (history in Redis): their pushes wait. */
  private Map<String, Hold> held;
  /** Channels whose subscribe hook has not answered yet. */
  private Set<String> asking;

  Subscriptions(Connection conn, GatewayOptions opts) {
    this.conn = conn;
    this.owner = conn.owner;
    this.opts = opts;
  }

  // ---- connect: server-side subscriptions ----------------------------------------------------

  /**
   * Server-side subscriptions being answered: each channel's result, and whether any of them
   * was not complete when subscribed (their pushes are held until the connect reply).
   */
  record ServerSide(Map<String, Future<SubscribeResult>> results, boolean async) {}

  /**
   * Subscribes the token's channels (those valid, not yet subscribed, within the limit). In
   * history namespaces each answer carries the stream position and, when the client sent its
   * position in connect's "subs", what it missed: the SDKs recover server-side subscriptions that
   * way.
   */
  ServerSide subscribeServerSide(JsonObject connectParams, List<String> serverChannels) {
    Map<String, Future<SubscribeResult>> results = new java.util.LinkedHashMap<>();
    JsonObject positions = connectParams.getValue("subs") instanceof JsonObject o ? o : new JsonObject();
    HistoryStore history = owner.gateway.hub.history();
    boolean async = false;
    // The connect reply carries every recovery: they share one budget.
    long budget = conn.replyBudget() / Math.max(1, serverChannels.size());
    for (String ch : serverChannels) {
      if (owner.gateway.rules.check(ch) == 0 && !isSubscribed(ch)
          && subscriptionCount() < opts.getMaxChannelsPerConnection()) {
        Future<Void> ready = addSubscription(ch);
        int size = owner.gateway.rules.historySize(ch);
        JsonObject params = positions.getValue(ch) instanceof JsonObject p ? p : new JsonObject();
        boolean needsBroker = size > 0 || owner.gateway.rules.presence(ch);
        Future<SubscribeResult> r = ready.transform(ar -> ar.failed() && needsBroker
            ? Future.failedFuture(new BrokerNotReady(ar.cause()))
            : size > 0
            ? subscribeResult(params, ch, history, size, budget) : Future.succeededFuture(SubscribeResult.PLAIN));
        results.put(ch, r);
        if (!r.isComplete()) {
          async = true;
          hold(ch);
        }
      }
    }
    return new ServerSide(results, async);
  }

  /**
   * The "subs" of the connect reply, all results being complete; null if a position could not
   * be read (Redis down): the connection then closes, to reconnect and try again.
   */
  JsonObject serverSideReply(ServerSide server) {
    JsonObject subs = new JsonObject();
    long budget = conn.replyBudget();
    for (Map.Entry<String, Future<SubscribeResult>> e : server.results().entrySet()) {
      if (e.getValue().failed()) {
        owner.log.debug("server-side subscription {} of {} failed: {}", e.getKey(), conn.clientId(), e.getValue().cause().toString());
        return null;
      }
      SubscribeResult r = fit(e.getValue().result(), budget);
      budget -= r.pubBytes();
      subs.put(e.getKey(), r.json() == null ? new JsonObject() : new JsonObject(r.json()));
    }
    return subs;
  }

  /** After the connect reply: the server-side subscriptions join, then their held pushes go. */
  void serverSideAnswered(ServerSide server) {
    for (Map.Entry<String, Future<SubscribeResult>> e : server.results().entrySet()) {
      String ch = e.getKey();
      Hold hold = held == null ? null : held.get(ch);
      if (hold != null) {
        removeHold(ch);
      }
      if (!isSubscribed(ch)) {
        continue;
      }
      joined(ch, e.getValue().result()); // the same position whether or not fit() dropped its publications
      if (hold != null) {
        release(ch, hold);
      }
    }
  }

  // ---- subscribe / unsubscribe ---------------------------------------------------------------

  void subscribe(Command cmd) {
    String ch = conn.validChannel(cmd);
    if (ch == null) {
      return;
    }
    if (isSubscribed(ch) || asking != null && asking.contains(ch)) {
      conn.enqueue(ProtocolCodec.error(cmd.id(), ErrorCodes.ALREADY_SUBSCRIBED));
      return;
    }
    if (subscriptionCount() + (asking == null ? 0 : asking.size()) >= opts.getMaxChannelsPerConnection()) {
      conn.enqueue(ProtocolCodec.error(cmd.id(), ErrorCodes.LIMIT_EXCEEDED));
      return;
    }
    Object token = cmd.params().getValue("token");
    HookCaller hook = token instanceof String t && !t.isEmpty() ? null : conn.hooks.caller(Hook.SUBSCRIBE, ch);
    if (hook != null) {
      subscribeThroughHook(cmd, ch, hook);
      return;
    }
    TokenLifecycle.SubGrant grant = conn.tokens.subscribeGrant(cmd, ch);
    if (grant == null) {
      return; // answered (103, 109) or closed (3500)
    }
    subscribe(cmd, ch, grant);
  }

  /**
   * A subscribe without a subscription token, with a subscribe hook for the channel: the hook
   * allows it ({@code info}, {@code data} for the reply, {@code expire_at}), denies it (the
   * subscribe's error) or closes the connection; a failing hook answers error 100, temporary (the
   * SDK subscribes again with backoff). Until the answer, the channel counts against the limit and
   * a second subscribe to it is 105.
   */
  private void subscribeThroughHook(Command cmd, String ch, HookCaller hook) {
    JsonObject req = conn.hooks.request(true).put("channel", ch);
    if (cmd.params().containsKey("data")) {
      req.put("data", cmd.params().getValue("data"));
    }
    if (asking == null) {
      asking = new HashSet<>(4);
    }
    asking.add(ch);
    conn.hooks.ask(Hook.SUBSCRIBE, hook, req).onComplete(ar -> {
      boolean still = asking != null && asking.remove(ch);
      if (conn.isClosed()) {
        return;
      }
      if (!still) {
        // Unsubscribed before the hook answered: not subscribed, whatever it says.
        conn.enqueue(ProtocolCodec.temporaryError(cmd.id(), ErrorCodes.INTERNAL, "unsubscribed meanwhile"));
      } else {
        JsonObject r = conn.hooks.allowed(cmd.id(), ar);
        if (r != null) {
          long exp = r.getLong("expire_at", 0L);
          subscribe(cmd, ch, new TokenLifecycle.SubGrant(exp, r.getJsonObject("info"), r.getValue("data"),
              exp > 0 && conn.hooks.caller(Hook.SUB_REFRESH, ch) != null));
        }
      }
      conn.flush();
    });
  }

  /** Subscribes {@code ch} as {@code grant} allows: joins the channel index, answers with its position. */
  private void subscribe(Command cmd, String ch, TokenLifecycle.SubGrant grant) {
    Future<Void> ready = addSubscription(ch);
    HistoryStore history = owner.gateway.hub.history();
    int historySize = owner.gateway.rules.historySize(ch);
    boolean withHistory = historySize > 0;
    // Several nodes: the result is read once the node receives the channel's publications, so
    // nothing published after it can be missed. That wait is bounded (redis.commandTimeoutMillis):
    // a channel that needs Redis (history, presence) is then refused with a temporary error the SDKs
    // retry; a plain one is answered for this node's deliveries, and its subscribers are made to
    // resubscribe once the broker confirms the channel (Hub: interrupted -> resync).
    boolean needsBroker = withHistory || owner.gateway.rules.presence(ch);
    Future<SubscribeResult> result = ready.transform(ar -> {
      if (ar.failed() && needsBroker) {
        return Future.failedFuture(new BrokerNotReady(ar.cause()));
      }
      return withHistory
          ? subscribeResult(cmd.params(), ch, history, historySize, conn.replyBudget()) : Future.succeededFuture(SubscribeResult.PLAIN);
    });
    if (result.isComplete() && result.succeeded()) {
      subscribed(cmd, ch, result.result(), grant);
      return;
    }
    // Until the answer: the channel's pushes are held, then sent after it (those it already holds dropped).
    Hold hold = hold(ch);
    conn.onOwner(result).onComplete(ar -> {
      if (held == null || held.get(ch) != hold) {
        return; // unsubscribed (or closed) meanwhile
      }
      removeHold(ch);
      if (conn.isClosed()) {
        return;
      }
      if (ar.failed()) {
        owner.log.debug("subscribe {} of {} failed: {}", ch, conn.clientId(), ar.cause().toString());
        channels.remove(ch);
        owner.unsubscribe(ch, conn);
        // Temporary: Redis is unavailable or slow; the SDKs resubscribe with backoff.
        conn.enqueue(ProtocolCodec.temporaryError(cmd.id(), ErrorCodes.INTERNAL, ar.cause() instanceof BrokerNotReady
            ? "internal server error: broker unavailable" : ErrorCodes.message(ErrorCodes.INTERNAL)));
      } else {
        subscribed(cmd, ch, ar.result(), grant);
        release(ch, hold);
      }
      conn.flush();
    });
  }

  void unsubscribe(Command cmd) {
    Object channel = cmd.params().getValue("channel");
    if (!(channel instanceof String ch) || ch.isEmpty()) {
      conn.enqueue(ProtocolCodec.error(cmd.id(), ErrorCodes.BAD_REQUEST));
      return;
    }
    if (channels != null && channels.remove(ch)) {
      owner.unsubscribe(ch, conn);
      left(ch);
    }
    if (asking != null) {
      asking.remove(ch);
    }
    conn.tokens.unsubscribed(ch);
    if (skipUpTo != null) {
      skipUpTo.remove(ch);
    }
    if (held != null && held.containsKey(ch)) {
      removeHold(ch);
    }
    conn.enqueue(ProtocolCodec.reply(cmd.id(), "unsubscribe", null));
  }

  // ---- the server API: subscriptions added and removed live -----------------------------------

  /**
   * The server API subscribes this connection to {@code ch}: a server-side subscription, told to
   * the client by a {@code subscribe} push (with the stream position in a history namespace, and
   * {@code dataJson} as its data). Nothing happens when the connection is already subscribed, the
   * channel is invalid, or the connection is at {@code maxChannelsPerConnection} (counted in
   * {@code tributary.api.subscribe.skipped}). Like connect's server-side subscriptions, the
   * channel's pushes are held until the subscribe push is out; when the position cannot be read
   * (Redis down) nothing is pushed and the subscription is dropped again.
   */
  void subscribeFromServer(String ch, String dataJson) {
    if (owner.gateway.rules.check(ch) != 0 || isSubscribed(ch)) {
      return;
    }
    if (subscriptionCount() >= opts.getMaxChannelsPerConnection()) {
      owner.gateway.serverSubscribeSkipped.increment();
      return;
    }
    ServerSide server = subscribeServerSide(new JsonObject(), List.of(ch));
    Future<SubscribeResult> result = server.results().get(ch);
    if (result.isComplete()) {
      pushSubscribed(ch, result, dataJson, null);
      return;
    }
    Hold hold = held.get(ch);
    conn.onOwner(result).onComplete(ar -> {
      if (held == null || held.get(ch) != hold) {
        return; // unsubscribed (or closed) meanwhile
      }
      removeHold(ch);
      if (!conn.isClosed()) {
        pushSubscribed(ch, result, dataJson, hold);
        conn.flush();
      }
    });
  }

  /** The subscribe push for a server-side subscription the API added, then what was held. */
  private void pushSubscribed(String ch, Future<SubscribeResult> result, String dataJson, Hold hold) {
    if (result.failed()) {
      owner.log.debug("server subscription {} of {} failed: {}", ch, conn.clientId(), result.cause().toString());
      owner.gateway.serverSubscribeSkipped.increment();
      channels.remove(ch);
      owner.unsubscribe(ch, conn);
      return;
    }
    conn.enqueue(ProtocolCodec.subscribePush(ch, result.result().json(), dataJson));
    joined(ch, result.result());
    if (hold != null) {
      release(ch, hold);
    }
  }

  /**
   * The server API unsubscribes this connection from {@code ch}: an unsubscribe push with code 2000
   * "server unsubscribe" (after the subscribe answer, when one is still being read).
   */
  void unsubscribeFromServer(String ch) {
    if (!isSubscribed(ch)) {
      return;
    }
    Hold pending = held == null ? null : held.get(ch);
    if (pending != null) {
      pending.endCode = SERVER_UNSUBSCRIBE;
      pending.pushes.clear();
      pending.offsets.clear();
      return;
    }
    end(ch, SERVER_UNSUBSCRIBE, "server unsubscribe");
  }

  /** The broker did not confirm the channel in time, and the channel cannot do without it. */
  private static final class BrokerNotReady extends RuntimeException {
    BrokerNotReady(Throwable cause) {
      super(String.valueOf(cause.getMessage()), cause, false, false);
    }
  }

  // ---- holding pushes until the answer -------------------------------------------------------

  /** Pushes of a channel whose subscribe answer is not sent yet. */
  private static final class Hold {
    final List<SharedPush> pushes = new java.util.ArrayList<>(4);
    final List<Long> offsets = new java.util.ArrayList<>(4);
    boolean overflow;
    /** Non-zero: the server API unsubscribed the channel meanwhile; ends it with this code after the answer. */
    int endCode;
  }

  /** Sends what was held for {@code ch} (its answer is out), or ends it if too much was. */
  private void release(String ch, Hold hold) {
    if (hold.endCode != 0) {
      end(ch, hold.endCode, "server unsubscribe");
      return;
    }
    if (hold.overflow) {
      insufficientState(ch);
      return;
    }
    for (int i = 0; i < hold.pushes.size(); i++) {
      enqueuePublication(ch, hold.pushes.get(i), hold.offsets.get(i));
    }
  }

  /** From now until its answer, {@code ch}'s pushes to this connection wait in the returned hold. */
  private Hold hold(String ch) {
    if (held == null) {
      held = new HashMap<>(4);
    }
    Hold h = new Hold();
    held.put(ch, h);
    return h;
  }

  private void removeHold(String ch) {
    held.remove(ch);
    if (held.isEmpty()) {
      held = null;
    }
  }

  // ---- answers -------------------------------------------------------------------------------

  /**
   * The subscribe result JSON (null = {@code {}}), the stream position it reflects, the bytes of
   * the recovered publications in it, and whether a recovery was refused for its size.
   */
  record SubscribeResult(String json, String epoch, long offset, long pubBytes, boolean tooLarge) {
    static final SubscribeResult PLAIN = new SubscribeResult(null, null, -1, 0, false);

    /** Not recovered because too large: no publications, the latest position (the SDK starts fresh from it). */
    static SubscribeResult tooLarge(String epoch, long offset) {
      return new SubscribeResult(positioned(new StringBuilder(160).append(RECOVERING).append(false)
          .append(",\"publications\":[]"), new HistoryStore.Position(epoch, offset)), epoch, offset, 0, true);
    }
  }

  private static final String RECOVERING = "{\"recoverable\":true,\"positioned\":true,\"was_recovering\":true,\"recovered\":";

  /**
   * {@code r} if its publications fit in {@code budget} bytes, else the same position without
   * them, {@code recovered: false}: a recovery is all or nothing, and never larger than the
   * connection's queue can take (which would close it with 3008, and again after every reconnect).
   * Counts the refusals.
   */
  private SubscribeResult fit(SubscribeResult r, long budget) {
    if (r.tooLarge() || r.pubBytes() > budget) {
      owner.gateway.recoveryTooLarge.increment();
      return r.tooLarge() ? r : SubscribeResult.tooLarge(r.epoch(), r.offset());
    }
    return r;
  }

  private void subscribed(Command cmd, String ch, SubscribeResult result, TokenLifecycle.SubGrant grant) {
    result = fit(result, conn.replyBudget());
    long id = cmd.id();
    String json = conn.tokens.subscribed(ch, grant, result.json());
    if (json != null) {
      conn.enqueue(ProtocolCodec.replyRaw(id, "subscribe", json));
    } else {
      conn.enqueue(ProtocolCodec.reply(id, "subscribe", null));
    }
    joined(ch, result);
  }

  /** After the answer: de-duplication position, module state, presence and join. */
  private void joined(String ch, SubscribeResult result) {
    if (result.json() != null) {
      if (skipUpTo == null) {
        skipUpTo = new HashMap<>(4);
      }
      skipUpTo.put(ch, result.offset());
      owner.positionAnswered(ch, result.epoch(), result.offset());
    }
    if (owner.gateway.moduleChannels.contains(ch) && owner.gateway.rules.stateOnSubscribe(ch)) {
      sendCurrentState(ch);
    }
    if (owner.gateway.rules.presence(ch)) {
      JsonObject chanInfo = conn.tokens.channelInfo(ch);
      owner.gateway.presence.add(ch, new PresenceStore.ClientInfo(conn.clientId(), conn.user(), chanInfo));
      if (owner.gateway.rules.joinLeave(ch)) {
        owner.gateway.hub.publish(ch, ProtocolCodec.joinLeavePush(ch, true, conn.clientId(), conn.user(), chanInfo));
      }
    }
  }

  /** Leaving a channel (unsubscribe or close): presence entry removed, leave pushed. */
  private void left(String ch) {
    // Removed whatever the rules say now: a live reload may have turned presence off since the
    // entry was added (the stores skip entries they do not hold).
    owner.gateway.presence.remove(ch, conn.clientId());
    if (owner.gateway.rules.joinLeave(ch)) {
      owner.gateway.hub.publish(ch, ProtocolCodec.joinLeavePush(ch, false, conn.clientId(), conn.user(),
          conn.tokens.channelInfo(ch)));
    }
  }

  /** Module state first: the coordinator's cached state of the channel, as publications. */
  private void sendCurrentState(String ch) {
    owner.vertx().eventBus().<JsonArray>request(Addresses.COORDINATOR_STATE, ch).onSuccess(reply -> {
      if (conn.isClosed() || !isSubscribed(ch)) {
        return;
      }
      for (Object envelope : reply.body()) {
        conn.enqueue(ProtocolCodec.publicationPush(ch, ((JsonObject) envelope).encode(), null));
      }
    });
  }

  /**
   * The subscribe result of a channel with history: its position, and with {@code recover} the
   * publications missed since the client's offset in its epoch. Read after the connection joined
   * the channel: a publication in flight at that moment is both in the result and live, so live
   * pushes up to the position read here are skipped (see {@link #enqueuePublication}).
   */
  private static Future<SubscribeResult> subscribeResult(JsonObject params, String ch, HistoryStore history,
      int historySize, long maxBytes) {
    boolean recover = Boolean.TRUE.equals(params.getValue("recover"));
    if (!recover) {
      return history.position(ch).map(pos -> new SubscribeResult(
          positioned(new StringBuilder(96).append("{\"recoverable\":true,\"positioned\":true"), pos), pos.epoch(),
          pos.offset(), 0, false));
    }
    Object off = params.getValue("offset");
    long offset = off instanceof Number n ? n.longValue() : 0;
    Object ep = params.getValue("epoch");
    return history.since(ch, offset, ep instanceof String e ? e : null, historySize, Math.max(0, maxBytes)).map(r -> {
      if (r.tooLarge()) {
        return SubscribeResult.tooLarge(r.position().epoch(), r.position().offset());
      }
      StringBuilder sb = new StringBuilder(128).append(RECOVERING).append(r.recovered()).append(",\"publications\":[");
      long bytes = 0;
      for (int i = 0; i < r.entries().size(); i++) {
        HistoryStore.Entry e = r.entries().get(i);
        if (i > 0) {
          sb.append(',');
        }
        bytes += HistoryStore.replyBytes(e);
        ProtocolCodec.publication(sb, e.dataJson(), e.infoJson(), e.offset());
      }
      sb.append(']');
      return new SubscribeResult(positioned(sb, r.position()), r.position().epoch(), r.position().offset(), bytes, false);
    });
  }

  private static String positioned(StringBuilder sb, HistoryStore.Position pos) {
    return sb.append(",\"epoch\":").append(Json.encode(pos.epoch())).append(",\"offset\":").append(pos.offset())
        .append('}').toString();
  }

  // ---- live pushes ---------------------------------------------------------------------------

  /** A publication push with its history offset: skipped if the subscribe result already had it. */
  void enqueuePublication(String ch, SharedPush push, long offset) {
    if (held != null) {
      Hold h = held.get(ch);
      if (h != null) {
        if (h.pushes.size() >= MAX_HELD) {
          // The subscribe answer is far behind the channel: after it, the subscription ends and
          // the client subscribes again (recovering from history where there is one).
          h.overflow = true;
          h.pushes.clear();
          h.offsets.clear();
        }
        if (h.overflow || h.endCode != 0) {
          return;
        }
        h.pushes.add(push);
        h.offsets.add(offset);
        return;
      }
    }
    if (skipUpTo != null && offset > 0) {
      Long upTo = skipUpTo.get(ch);
      if (upTo != null) {
        if (offset <= upTo) {
          return;
        }
        skipUpTo.remove(ch);
        if (skipUpTo.isEmpty()) {
          skipUpTo = null;
        }
      }
    }
    conn.enqueuePush(push);
  }

  /**
   * The node may have missed publications of {@code ch} (a gap in its offsets, or the broker's
   * subscription was interrupted): the subscription ends with 2500 and the client subscribes
   * again, recovering what it missed from history.
   */
  void insufficientState(String ch) {
    if (!isSubscribed(ch)) {
      return;
    }
    Hold pending = held == null ? null : held.get(ch);
    if (pending != null) {
      // Its answer is not out yet: the subscription ends right after it (see release).
      pending.overflow = true;
      pending.pushes.clear();
      pending.offsets.clear();
      return;
    }
    owner.gateway.insufficientState.increment();
    end(ch, INSUFFICIENT_STATE, "insufficient state");
  }

  /** The server ends the subscription to {@code ch} (subscribed): left, then an unsubscribe push with {@code code}. */
  void end(String ch, int code, String reason) {
    channels.remove(ch);
    owner.unsubscribe(ch, conn);
    left(ch);
    if (skipUpTo != null) {
      skipUpTo.remove(ch);
    }
    conn.tokens.unsubscribed(ch);
    conn.enqueue(ProtocolCodec.unsubscribePush(ch, code, reason));
  }

  // ---- the channel set -----------------------------------------------------------------------

  boolean isSubscribed(String ch) {
    return channels != null && channels.contains(ch);
  }

  int subscriptionCount() {
    return channels == null ? 0 : channels.size();
  }

  private Future<Void> addSubscription(String ch) {
    if (channels == null) {
      channels = new HashSet<>(4);
    }
    channels.add(ch);
    return owner.subscribe(ch, conn);
  }

  /** The socket is gone: every channel left (index entry, presence, leave push), holds dropped. */
  void releaseAll() {
    if (channels != null) {
      for (String ch : channels) {
        owner.unsubscribe(ch, conn);
        left(ch);
      }
      channels = null;
    }
    held = null;
    asking = null;
  }
}
