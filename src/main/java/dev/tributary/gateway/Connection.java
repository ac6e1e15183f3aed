package dev.tributary.gateway;

import dev.tributary.auth.TokenVerifier;
import dev.tributary.bus.Addresses;
import dev.tributary.config.GatewayOptions;
import dev.tributary.gateway.protocol.Command;
import dev.tributary.gateway.protocol.ErrorCodes;
import dev.tributary.gateway.protocol.ProtocolCodec;
import dev.tributary.gateway.protocol.ProtocolCodec.BadFrameException;
import io.netty.buffer.PooledByteBufAllocator;
import io.vertx.core.Future;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import dev.tributary.history.HistoryJson;
import dev.tributary.history.HistoryStore;
import dev.tributary.presence.PresenceJson;
import dev.tributary.presence.PresenceStore;
import dev.tributary.redis.RedisLink;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.List;
import java.util.Set;

/**
 * One client connection: protocol state, subscriptions, the outbound batch, the rate limiter and
 * the heartbeat position. Owned by the event loop that accepted the socket (its
 * {@link GatewayVerticle}); every method runs there, so there are no locks.
 *
 * <p>Outbound: replies and pushes are appended as bytes to an {@link OutboundBatch}; it leaves as
 * one text frame when it holds {@code maxMessages} or {@code maxBytes}, when the commands of one
 * inbound frame have been answered, or when the instance flushes its dirty connections (end of
 * burst or {@code maxDelayMillis}). Bytes pending plus bytes written but not yet on the socket are bounded
 * by {@code maxQueueBytes}: past it the connection is closed with 3008 and its buffers freed.
 */
final class Connection extends HeartbeatWheel.Member implements WebSocketHandler.Listener {
  private static final int NEW = 0;
  private static final int CONNECTING = 1;
  private static final int CONNECTED = 2;
  private static final int CLOSED = 3;

  private static final String VERSION = "tributary 0.1.0";

  final GatewayVerticle owner;
  final WebSocketHandler socket;
  private final GatewayOptions opts;
  private final TokenBucket bucket;

  private int state = NEW;
  private String clientId;
  private String user = "";
  private Set<String> channels;
  /** Channels just subscribed with history: live pushes up to this offset were in the result. */
  private Map<String, Long> skipUpTo;
  /** Channels whose subscribe answer is being read (history in Redis): their pushes wait. */
  private Map<String, Hold> held;
  /** Pushes held for one channel before the subscription ends with insufficient state. */
  private static final int MAX_HELD = 10_000;
  /** Unsubscribe push code: subscribe again and recover (Centrifugo's "insufficient state"). */
  static final int INSUFFICIENT_STATE = 2500;
  final Writer writer;
  private int rejectedInRow;
  private boolean pongExpected;
  private int closeCode = -1;

  Connection(GatewayVerticle owner, WebSocketHandler socket, GatewayOptions opts, long nowNanos) {
    this.owner = owner;
    this.socket = socket;
    this.opts = opts;
    this.writer = new Writer(owner, this, socket, PooledByteBufAllocator.DEFAULT, opts.getBatch().getMaxMessages(),
        opts.getBatch().getMaxBytes(), opts.getMaxQueueBytes());
    this.bucket = new TokenBucket(opts.getRateLimit().getCommandsPerSecond(), opts.getRateLimit().getBurst(), nowNanos);
  }

  boolean isClosed() {
    return state == CLOSED;
  }

  int closeCode() {
    return closeCode;
  }

  // ---- inbound -------------------------------------------------------------------------------

  @Override
  public void onMessage(String frame) {
    onText(frame);
  }

  @Override
  public void onOverflow() {
    if (state != CLOSED) {
      closeSlow();
    }
  }

  @Override
  public void onClosed(int code) {
    owner.onClosed(this, code);
  }

  void onText(String frame) {
    if (state == CLOSED) {
      return;
    }
    List<Command> commands;
    try {
      commands = ProtocolCodec.decode(frame);
    } catch (BadFrameException e) {
      owner.log.debug("bad frame from {}: {}", clientId, e.getMessage());
      close(CloseCodes.BAD_REQUEST);
      return;
    }
    process(commands, 0);
    // Replies to one frame leave together, now: the batch delay is for pushes, not for answers.
    flush();
  }

  private void process(List<Command> commands, int from) {
    for (int i = from; i < commands.size() && state != CLOSED; i++) {
      Command cmd = commands.get(i);
      if (cmd.isPong()) {
        pongReceived();
        continue;
      }
      owner.gateway.countCommand(cmd.method());
      if (!bucket.tryAcquire(owner.clock.nanoTime())) {
        owner.gateway.rateLimited.increment();
        if (++rejectedInRow >= opts.getRateLimit().getMaxRejected()) {
          close(CloseCodes.TOO_MANY_REQUESTS);
          return;
        }
        if (cmd.id() > 0) {
          enqueue(ProtocolCodec.error(cmd.id(), ErrorCodes.TOO_MANY_REQUESTS));
        }
        continue;
      }
      rejectedInRow = 0;
      if (cmd.method().equals("connect")) {
        long started = System.nanoTime();
        Future<Void> done = connect(cmd).onComplete(ar -> owner.gateway.connectTime.record(System.nanoTime() - started, java.util.concurrent.TimeUnit.NANOSECONDS));
        if (!done.isComplete()) {
          // Token check went asynchronous: hold the socket and the rest of this frame until it ends.
          socket.pause();
          int next = i + 1;
          done.onComplete(ar -> {
            process(commands, next);
            flush();
            if (state != CLOSED) {
              socket.resume();
            }
          });
          return;
        }
        continue;
      }
      if (state != CONNECTED) {
        owner.log.debug("command {} before connect", cmd.method());
        close(CloseCodes.BAD_REQUEST);
        return;
      }
      switch (cmd.method()) {
        case "subscribe" -> subscribe(cmd);
        case "unsubscribe" -> unsubscribe(cmd);
        case "publish" -> publish(cmd);
        case "history" -> history(cmd);
        case "presence" -> presence(cmd, false);
        case "presence_stats" -> presence(cmd, true);
        case "send" -> { } // asynchronous message to the server: no handler, no reply
        default -> enqueue(ProtocolCodec.error(cmd.id(), ErrorCodes.NOT_AVAILABLE));
      }
    }
  }

  private Future<Void> connect(Command cmd) {
    if (state != NEW) {
      close(CloseCodes.BAD_REQUEST);
      return Future.succeededFuture();
    }
    TokenVerifier verifier = owner.verifier;
    if (verifier == null) {
      completeConnect(cmd, "", List.of());
      return Future.succeededFuture();
    }
    Object token = cmd.params().getValue("token");
    if (!(token instanceof String t) || t.isEmpty()) {
      enqueue(ProtocolCodec.error(cmd.id(), ErrorCodes.UNAUTHORIZED));
      return Future.succeededFuture();
    }
    state = CONNECTING;
    return verifier.verify(t).compose(result -> {
      if (state == CLOSED) {
        return Future.succeededFuture();
      }
      state = NEW;
      if (result instanceof TokenVerifier.Valid v) {
        // Held (socket paused) until the reply, also while server-side positions are read.
        return completeConnect(cmd, v.user(), v.channels());
      } else if (result instanceof TokenVerifier.Expired) {
        enqueue(ProtocolCodec.error(cmd.id(), ErrorCodes.TOKEN_EXPIRED));
      } else {
        owner.log.debug("invalid token: {}", ((TokenVerifier.Invalid) result).why());
        close(CloseCodes.INVALID_TOKEN);
      }
      return Future.succeededFuture();
    });
  }

  /** Connected: the reply (with server-side subscriptions); completes once it is enqueued. */
  private Future<Void> completeConnect(Command cmd, String user, List<String> serverChannels) {
    this.user = user;
    this.clientId = owner.gateway.clientIds.next();
    owner.gateway.clientIdsIssued.incrementAndGet();
    this.state = CONNECTED;
    pongExpected = true;
    // Server-side subscriptions (the token's channels). In history namespaces each answer carries
    // the stream position and, when the client sent its position in connect's "subs", what it
    // missed: the SDKs recover server-side subscriptions that way.
    Map<String, Future<SubscribeResult>> results = new java.util.LinkedHashMap<>();
    JsonObject positions = cmd.params().getValue("subs") instanceof JsonObject o ? o : new JsonObject();
    HistoryStore history = owner.gateway.hub.history();
    boolean async = false;
    for (String ch : serverChannels) {
      if (owner.gateway.rules.check(ch) == 0 && !isSubscribed(ch)
          && subscriptionCount() < opts.getMaxChannelsPerConnection()) {
        Future<Void> ready = addSubscription(ch);
        int size = owner.gateway.rules.historySize(ch);
        JsonObject params = positions.getValue(ch) instanceof JsonObject p ? p : new JsonObject();
        Future<SubscribeResult> r = ready.transform(ar -> size > 0 && history != null
            ? subscribeResult(params, ch, history, size) : Future.succeededFuture(SubscribeResult.PLAIN));
        results.put(ch, r);
        if (!r.isComplete()) {
          async = true;
          hold(ch);
        }
      }
    }
    if (!async) {
      connected(cmd, results);
      return Future.succeededFuture();
    }
    return onOwner(Future.join(new java.util.ArrayList<>(results.values())))
        .transform(ar -> {
          if (state != CLOSED) {
            connected(cmd, results);
            flush();
          }
          return Future.<Void>succeededFuture();
        });
  }

  /** The connect reply with its server-side subscriptions, then their held pushes. */
  private void connected(Command cmd, Map<String, Future<SubscribeResult>> results) {
    JsonObject subs = new JsonObject();
    for (Map.Entry<String, Future<SubscribeResult>> e : results.entrySet()) {
      if (e.getValue().failed()) {
        // The position could not be read (Redis down): reconnect and try again.
        owner.log.debug("server-side subscription {} of {} failed: {}", e.getKey(), clientId, e.getValue().cause().toString());
        close(CloseCodes.INTERNAL);
        return;
      }
      SubscribeResult r = e.getValue().result();
      subs.put(e.getKey(), r.json() == null ? new JsonObject() : new JsonObject(r.json()));
    }
    JsonObject result = new JsonObject()
        .put("client", clientId)
        .put("version", VERSION)
        .put("ping", opts.getPingIntervalSeconds())
        .put("pong", true);
    if (!subs.isEmpty()) {
      result.put("subs", subs);
    }
    enqueue(ProtocolCodec.reply(cmd.id(), "connect", result));
    for (Map.Entry<String, Future<SubscribeResult>> e : results.entrySet()) {
      String ch = e.getKey();
      Hold hold = held == null ? null : held.get(ch);
      if (hold != null) {
        removeHold(ch);
      }
      if (!isSubscribed(ch)) {
        continue;
      }
      joined(ch, e.getValue().result());
      if (hold != null) {
        release(ch, hold);
      }
    }
  }

  private void subscribe(Command cmd) {
    String ch = validChannel(cmd);
    if (ch == null) {
      return;
    }
    if (isSubscribed(ch)) {
      enqueue(ProtocolCodec.error(cmd.id(), ErrorCodes.ALREADY_SUBSCRIBED));
      return;
    }
    if (subscriptionCount() >= opts.getMaxChannelsPerConnection()) {
      enqueue(ProtocolCodec.error(cmd.id(), ErrorCodes.LIMIT_EXCEEDED));
      return;
    }
    Future<Void> ready = addSubscription(ch);
    HistoryStore history = owner.gateway.hub.history();
    int historySize = owner.gateway.rules.historySize(ch);
    boolean withHistory = historySize > 0 && history != null;
    // Several nodes: the result is read once the node receives the channel's publications, so
    // nothing published after it can be missed. A broker outage does not refuse the subscribe:
    // local publications flow, and the node resubscribes when the broker returns.
    Future<SubscribeResult> result = ready.transform(ar -> withHistory
        ? subscribeResult(cmd.params(), ch, history, historySize) : Future.succeededFuture(SubscribeResult.PLAIN));
    if (result.isComplete() && result.succeeded()) {
      subscribed(cmd, ch, result.result());
      return;
    }
    // Until the answer: the channel's pushes are held, then sent after it (those it already holds dropped).
    Hold hold = hold(ch);
    onOwner(result).onComplete(ar -> {
      if (held == null || held.get(ch) != hold) {
        return; // unsubscribed (or closed) meanwhile
      }
      removeHold(ch);
      if (state == CLOSED) {
        return;
      }
      if (ar.failed()) {
        owner.log.debug("subscribe {} of {} failed: {}", ch, clientId, ar.cause().toString());
        channels.remove(ch);
        owner.unsubscribe(ch, this);
        enqueue(ProtocolCodec.error(cmd.id(), ErrorCodes.INTERNAL));
      } else {
        subscribed(cmd, ch, ar.result());
        release(ch, hold);
      }
      flush();
    });
  }

  /** Pushes of a channel whose subscribe answer is not sent yet. */
  private static final class Hold {
    final List<byte[]> pushes = new java.util.ArrayList<>(4);
    final List<Long> offsets = new java.util.ArrayList<>(4);
    boolean overflow;
  }

  /** Sends what was held for {@code ch} (its answer is out), or ends it if too much was. */
  private void release(String ch, Hold hold) {
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

  /** {@code f}, completing on this connection's event loop (its owner thread). */
  private <T> Future<T> onOwner(Future<T> f) {
    return RedisLink.onContext(owner.context(), f);
  }

  private void removeHold(String ch) {
    held.remove(ch);
    if (held.isEmpty()) {
      held = null;
    }
  }

  /** The subscribe result JSON (null = {@code {}}) and the stream position it reflects. */
  private record SubscribeResult(String json, String epoch, long offset) {
    static final SubscribeResult PLAIN = new SubscribeResult(null, null, -1);
  }

  private void subscribed(Command cmd, String ch, SubscribeResult result) {
    long id = cmd.id();
    if (result.json() != null) {
      enqueue(ProtocolCodec.replyRaw(id, "subscribe", result.json()));
    } else {
      enqueue(ProtocolCodec.reply(id, "subscribe", null));
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
      owner.gateway.presence.add(ch, new PresenceStore.ClientInfo(clientId, user));
      if (owner.gateway.rules.joinLeave(ch)) {
        owner.gateway.hub.publish(ch, ProtocolCodec.joinLeavePush(ch, true, clientId, user));
      }
    }
  }

  /** Leaving a channel (unsubscribe or close): presence entry removed, leave pushed. */
  private void left(String ch) {
    // Removed whatever the rules say now: a live reload may have turned presence off since the
    // entry was added (the stores skip entries they do not hold).
    owner.gateway.presence.remove(ch, clientId);
    if (owner.gateway.rules.joinLeave(ch)) {
      owner.gateway.hub.publish(ch, ProtocolCodec.joinLeavePush(ch, false, clientId, user));
    }
  }

  private void presence(Command cmd, boolean stats) {
    String ch = validChannel(cmd);
    if (ch == null) {
      return;
    }
    if (!availableToSubscriber(cmd, ch, owner.gateway.rules.presence(ch))) {
      return;
    }
    // With Redis the answer comes later, maybe on a Redis context: completed back on this
    // connection's event loop, where its state lives.
    Future<JsonObject> answer = onOwner(PresenceJson.result(owner.gateway.presence, ch, stats));
    if (answer.isComplete()) {
      presenceAnswered(cmd, stats, answer);
    } else {
      answer.onComplete(ar -> {
        presenceAnswered(cmd, stats, answer);
        flush();
      });
    }
  }

  /** The presence reply, or 100 (internal) when the store failed (Redis down): never no answer. */
  private void presenceAnswered(Command cmd, boolean stats, Future<JsonObject> answer) {
    if (answer.succeeded()) {
      enqueue(ProtocolCodec.reply(cmd.id(), stats ? "presence_stats" : "presence", answer.result()));
    } else {
      owner.log.debug("presence of {} failed: {}", cmd.params().getValue("channel"), String.valueOf(answer.cause()));
      enqueue(ProtocolCodec.error(cmd.id(), ErrorCodes.INTERNAL));
    }
  }



  /**
   * The subscribe result of a channel with history: its position, and with {@code recover} the
   * publications missed since the client's offset in its epoch. Read after the connection joined
   * the channel: a publication in flight at that moment is both in the result and live, so live
   * pushes up to the position read here are skipped (see {@link #enqueuePublication}).
   */
  private static Future<SubscribeResult> subscribeResult(JsonObject params, String ch, HistoryStore history, int historySize) {
    boolean recover = Boolean.TRUE.equals(params.getValue("recover"));
    if (!recover) {
      return history.position(ch).map(pos -> new SubscribeResult(
          positioned(new StringBuilder(96).append("{\"recoverable\":true,\"positioned\":true"), pos), pos.epoch(),
          pos.offset()));
    }
    Object off = params.getValue("offset");
    long offset = off instanceof Number n ? n.longValue() : 0;
    Object ep = params.getValue("epoch");
    return history.since(ch, offset, ep instanceof String e ? e : null, historySize).map(r -> {
      StringBuilder sb = new StringBuilder(128).append("{\"recoverable\":true,\"positioned\":true")
          .append(",\"was_recovering\":true,\"recovered\":").append(r.recovered()).append(",\"publications\":[");
      for (int i = 0; i < r.entries().size(); i++) {
        HistoryStore.Entry e = r.entries().get(i);
        if (i > 0) {
          sb.append(',');
        }
        ProtocolCodec.publication(sb, e.dataJson(), e.infoJson(), e.offset());
      }
      sb.append(']');
      return new SubscribeResult(positioned(sb, r.position()), r.position().epoch(), r.position().offset());
    });
  }

  private static String positioned(StringBuilder sb, HistoryStore.Position pos) {
    return sb.append(",\"epoch\":").append(Json.encode(pos.epoch())).append(",\"offset\":").append(pos.offset())
        .append('}').toString();
  }

  /** A publication push with its history offset: skipped if the subscribe result already had it. */
  void enqueuePublication(String ch, byte[] push, long offset) {
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
        if (h.overflow) {
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
    enqueue(push);
  }

  private void history(Command cmd) {
    String ch = validChannel(cmd);
    if (ch == null) {
      return;
    }
    HistoryStore history = owner.gateway.hub.history();
    int size = owner.gateway.rules.historySize(ch);
    if (!availableToSubscriber(cmd, ch, size > 0 && history != null)) {
      return;
    }
    Future<String> answer = onOwner(HistoryJson.result(history, ch, cmd.params(), size));
    if (answer.isComplete()) {
      historyAnswered(cmd.id(), answer);
    } else {
      answer.onComplete(ar -> {
        historyAnswered(cmd.id(), answer);
        flush();
      });
    }
  }

  private void historyAnswered(long id, Future<String> result) {
    if (result.succeeded()) {
      enqueue(ProtocolCodec.replyRaw(id, "history", result.result()));
    } else if (result.cause() instanceof HistoryJson.UnrecoverablePosition) {
      enqueue(ProtocolCodec.error(id, ErrorCodes.UNRECOVERABLE_POSITION));
    } else {
      owner.log.debug("history for {} failed: {}", clientId, result.cause().toString());
      enqueue(ProtocolCodec.error(id, ErrorCodes.INTERNAL));
    }
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
    channels.remove(ch);
    owner.unsubscribe(ch, this);
    left(ch);
    if (skipUpTo != null) {
      skipUpTo.remove(ch);
    }
    enqueue(ProtocolCodec.unsubscribePush(ch, INSUFFICIENT_STATE, "insufficient state"));
  }

  /** Module state first: the coordinator's cached state of the channel, as publications. */
  private void sendCurrentState(String ch) {
    owner.vertx().eventBus().<JsonArray>request(Addresses.COORDINATOR_STATE, ch).onSuccess(reply -> {
      if (state == CLOSED || !isSubscribed(ch)) {
        return;
      }
      for (Object envelope : reply.body()) {
        enqueue(ProtocolCodec.publicationPush(ch, ((JsonObject) envelope).encode(), null));
      }
    });
  }

  private void unsubscribe(Command cmd) {
    Object channel = cmd.params().getValue("channel");
    if (!(channel instanceof String ch) || ch.isEmpty()) {
      enqueue(ProtocolCodec.error(cmd.id(), ErrorCodes.BAD_REQUEST));
      return;
    }
    if (channels != null && channels.remove(ch)) {
      owner.unsubscribe(ch, this);
      left(ch);
    }
    if (skipUpTo != null) {
      skipUpTo.remove(ch);
    }
    if (held != null && held.containsKey(ch)) {
      removeHold(ch);
    }
    enqueue(ProtocolCodec.reply(cmd.id(), "unsubscribe", null));
  }

  private void publish(Command cmd) {
    String ch = validChannel(cmd);
    if (ch == null) {
      return;
    }
    if (!owner.gateway.rules.clientMayPublish(ch)) {
      enqueue(ProtocolCodec.error(cmd.id(), ErrorCodes.PERMISSION_DENIED));
      return;
    }
    if (!cmd.params().containsKey("data")) {
      enqueue(ProtocolCodec.error(cmd.id(), ErrorCodes.BAD_REQUEST, "bad request: data required"));
      return;
    }
    String info = new JsonObject().put("client", clientId).put("user", user).encode();
    String data = Json.encode(cmd.params().getValue("data"));
    if (!owner.gateway.hub.publishIsRemote(ch)) {
      // Reply first: a publisher subscribed to the channel sees its reply before its own push.
      enqueue(ProtocolCodec.reply(cmd.id(), "publish", null));
      owner.gateway.hub.publish(ch, data, info);
      return;
    }
    // History in Redis: the publication is accepted once appended, or refused (Redis unavailable).
    long id = cmd.id();
    onOwner(owner.gateway.hub.publish(ch, data, info)).onComplete(ar -> {
      if (ar.succeeded()) {
        enqueue(ProtocolCodec.reply(id, "publish", null));
      } else {
        owner.log.debug("publish to {} by {} refused: {}", ch, clientId, ar.cause().toString());
        enqueue(ProtocolCodec.error(id, ErrorCodes.INTERNAL));
      }
      flush();
    });
  }

  /** The command's channel if valid and known; else null, the error already answered. */
  private String validChannel(Command cmd) {
    Object channel = cmd.params().getValue("channel");
    int err = owner.gateway.rules.check(channel);
    if (err != 0) {
      enqueue(ProtocolCodec.error(cmd.id(), err));
      return null;
    }
    return (String) channel;
  }

  /** A channel feature (history, presence): 108 where the namespace lacks it, 103 for non-subscribers. */
  private boolean availableToSubscriber(Command cmd, String ch, boolean enabled) {
    if (!enabled) {
      enqueue(ProtocolCodec.error(cmd.id(), ErrorCodes.NOT_AVAILABLE));
      return false;
    }
    if (!isSubscribed(ch)) {
      enqueue(ProtocolCodec.error(cmd.id(), ErrorCodes.PERMISSION_DENIED));
      return false;
    }
    return true;
  }

  private boolean isSubscribed(String ch) {
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
    return owner.subscribe(ch, this);
  }

  // ---- heartbeat ----------------------------------------------------------------------------

  /** Called by the heartbeat wheel; returns whether a pong is expected. */
  boolean ping() {
    if (state == CLOSED) {
      return false;
    }
    if (state != CONNECTED) {
      owner.gateway.heartbeatCloses.increment();
      close(CloseCodes.STALE);
      return false;
    }
    enqueue(ProtocolCodec.PING);
    return pongExpected && state != CLOSED;
  }

  void pongMissing() {
    if (state != CLOSED) {
      owner.gateway.heartbeatCloses.increment();
      close(CloseCodes.NO_PONG);
    }
  }

  // ---- outbound -----------------------------------------------------------------------------

  /** Appends one reply or push to the pending frame; past the queue bound the connection closes as slow. */
  void enqueue(byte[] msg) {
    if (state != CLOSED && !writer.enqueue(msg)) {
      closeSlow();
    }
  }

  /** Writes the pending frame, if any. */
  void flush() {
    writer.flush();
  }

  /** Bytes this connection has not yet handed to the socket: pending frame plus Netty's queue. */
  long unsentBytes() {
    return writer.unsentBytes();
  }

  /** Memory pressure: closed as a slow consumer (3008), its buffers freed. */
  void shed() {
    if (state != CLOSED) {
      owner.gateway.shed.increment();
      closeSlow();
    }
  }

  /**
   * Slow consumer: nothing more is queued, the pending frame is dropped, the close frame goes out
   * behind what the socket already holds, and the TCP connection is closed within
   * {@code closeTimeoutMillis} whether or not the client reads again.
   */
  private void closeSlow() {
    long dropped = writer.unsentBytes();
    owner.gateway.slowCloses.increment();
    owner.gateway.slowDroppedBytes.increment(dropped);
    owner.slowLog(clientId, dropped);
    writer.release();
    state = CLOSED;
    closeCode = CloseCodes.SLOW;
    socket.close(CloseCodes.SLOW);
  }

  /** Flushes what is pending, then closes with {@code code} (see {@link WebSocketHandler#close}). */
  void close(short code) {
    if (state == CLOSED) {
      return;
    }
    closeCode = code;
    state = CLOSED;
    flush();
    socket.close(code);
  }

  /** The socket is gone (either side closed it): free everything. Runs once. */
  void onSocketClosed() {
    state = CLOSED;
    writer.release();
    if (channels != null) {
      for (String ch : channels) {
        owner.unsubscribe(ch, this);
        left(ch);
      }
      channels = null;
    }
    held = null;
  }
}
