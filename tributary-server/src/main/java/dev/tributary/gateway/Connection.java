package dev.tributary.gateway;

import dev.tributary.auth.TokenVerifier;
import dev.tributary.config.GatewayOptions;
import dev.tributary.protocol.Command;
import dev.tributary.protocol.Encoding;
import dev.tributary.protocol.ErrorCodes;
import dev.tributary.protocol.ProtobufCodec;
import dev.tributary.protocol.ProtocolCodec;
import dev.tributary.protocol.SharedPush;
import dev.tributary.protocol.ProtocolCodec.BadFrameException;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * One client connection: protocol state, command dispatch, the outbound batch, the rate limiter and
 * the heartbeat position; its channels and their sync with history are in its {@link Subscriptions},
 * publish/history/presence in its {@link ChannelCommands}.
 * Owned by the event loop that accepted the socket (its {@link GatewayVerticle}); every method runs
 * there, so there are no locks.
 *
 * <p>Encoding: fixed at the upgrade ({@link Encoding}). Commands of either encoding decode into the
 * same {@link Command}; replies and pushes are built as JSON and, on a Protobuf connection, encoded
 * as Protobuf when enqueued ({@link ProtobufCodec}), except shared publications, which are
 * transcoded once per publication ({@link SharedPush}).
 *
 * <p>Outbound: replies and pushes are appended as bytes to an {@link OutboundBatch}; it leaves as
 * one frame when it holds {@code maxMessages} or {@code maxBytes}, when the commands of one
 * inbound frame have been answered, or when the instance flushes its dirty connections (end of
 * burst or {@code maxDelayMillis}). Bytes pending plus bytes written but not yet on the socket are bounded
 * by {@code maxQueueBytes}: past it the connection is closed with 3008 and its buffers freed.
 */
final class Connection extends ClientConnection {

  static final String VERSION = Gateway.VERSION;

  final Encoding encoding;
  private final GatewayOptions opts;
  private final TokenBucket bucket;

  private String clientId;
  private String user = "";
  /** The connection token's {@code info} claim (any JSON), null without one; shown to modules. */
  private Object tokenInfo;
  /** Channels, their sync with history and the pushes held meanwhile. */
  final Subscriptions subscriptions;
  /** publish, history, presence. */
  private final ChannelCommands channelOps;
  /** Connection and subscription token expiry, refresh, sub_refresh. */
  final TokenLifecycle tokens;
  /** The connection token's exp until the connect reply (then kept by {@link #tokens}). */
  private long tokenExp;
  /** rpc and send, to modules over the event bus. */
  private final ModuleCalls moduleCalls;
  /** Connect, subscribe, publish, rpc and refresh hooks (modules or an HTTP backend). */
  final HookCalls hooks;
  /** Whether the connect hook let this connection in (its expiry is then refreshed by the refresh hook, if any). */
  private boolean viaConnectHook;
  /** The connect hook's {@code data} for the connect reply, null without. */
  private Object connectData;
  private int rejectedInRow;
  private boolean pongExpected;

  Connection(Upgrade up, long nowNanos, Encoding encoding, io.vertx.core.MultiMap forwardedHeaders) {
    super(up, Integer.MAX_VALUE, encoding == Encoding.PROTOBUF);
    GatewayOptions opts = up.opts;
    this.opts = opts;
    this.encoding = encoding;
    this.bucket = new TokenBucket(opts.getRateLimit().getCommandsPerSecond(), opts.getRateLimit().getBurst(), nowNanos);
    this.subscriptions = new Subscriptions(this, opts);
    this.channelOps = new ChannelCommands(this);
    this.tokens = new TokenLifecycle(this);
    this.moduleCalls = new ModuleCalls(this);
    this.hooks = new HookCalls(this, forwardedHeaders);
  }

  @Override
  protected String id() {
    return clientId;
  }

  /** Null until connected. */
  String clientId() {
    return clientId;
  }

  String user() {
    return user;
  }

  Object tokenInfo() {
    return tokenInfo;
  }

  /** A new {@code info} for this connection (a refresh hook's answer). */
  void tokenInfo(Object info) {
    this.tokenInfo = info;
  }

  // ---- inbound -------------------------------------------------------------------------------

  /**
   * A text frame: JSON commands. On a Protobuf connection it is a bad request (3501): the client
   * does not speak the encoding it negotiated, and trying again will not change that.
   */
  @Override
  protected void onMessage(String frame) {
    if (encoding != Encoding.JSON) {
      owner.log.debug("text frame on a Protobuf connection from {}", clientId);
      close(CloseCodes.BAD_REQUEST);
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
    onCommands(commands);
  }

  /** A binary frame: Protobuf commands; on a JSON connection a bad request (3501), like text on Protobuf. */
  @Override
  protected void onBinaryMessage(byte[] frame) {
    if (encoding != Encoding.PROTOBUF) {
      owner.log.debug("binary frame on a JSON connection from {}", clientId);
      close(CloseCodes.BAD_REQUEST);
      return;
    }
    List<Command> commands;
    try {
      commands = ProtobufCodec.decode(frame);
    } catch (BadFrameException e) {
      owner.log.debug("bad frame from {}: {}", clientId, e.getMessage());
      close(CloseCodes.BAD_REQUEST);
      return;
    }
    onCommands(commands);
  }

  private void onCommands(List<Command> commands) {
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
      if (cmd.invalid() != null) {
        // Decoded, but its params cannot be used (a Protobuf data that is not JSON): 107, as for
        // missing params; a send has no reply to carry it.
        if (cmd.id() > 0) {
          enqueue(ProtocolCodec.error(cmd.id(), ErrorCodes.BAD_REQUEST, cmd.invalid()));
        }
        continue;
      }
      if (cmd.method().equals("connect")) {
        long started = System.nanoTime();
        Future<Void> done = connect(cmd).onComplete(ar -> owner.gateway.connectTime.record(System.nanoTime() - started, java.util.concurrent.TimeUnit.NANOSECONDS));
        if (!done.isComplete()) {
          // Token check went asynchronous: hold the socket and the rest of this frame until it ends.
          pause();
          int next = i + 1;
          done.onComplete(ar -> {
            process(commands, next);
            flush();
            resume();
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
        case "subscribe" -> subscriptions.subscribe(cmd);
        case "unsubscribe" -> subscriptions.unsubscribe(cmd);
        case "publish" -> channelOps.publish(cmd);
        case "history" -> channelOps.history(cmd);
        case "presence" -> channelOps.presence(cmd, false);
        case "presence_stats" -> channelOps.presence(cmd, true);
        case "rpc" -> moduleCalls.rpc(cmd);
        case "send" -> moduleCalls.send(cmd);
        case "refresh" -> tokens.refresh(cmd);
        case "sub_refresh" -> tokens.subRefresh(cmd);
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
    Object token = cmd.params().getValue("token");
    boolean withToken = token instanceof String s && !s.isEmpty();
    dev.tributary.hooks.HookCaller hook = hooks.caller(dev.tributary.hooks.Hook.CONNECT);
    if (hook != null && !(withToken && verifier != null)) {
      return connectThroughHook(cmd, hook);
    }
    if (verifier == null) {
      completeConnect(cmd, "", List.of());
      return Future.succeededFuture();
    }
    if (!(token instanceof String t) || t.isEmpty()) {
      enqueue(ProtocolCodec.error(cmd.id(), ErrorCodes.UNAUTHORIZED));
      return Future.succeededFuture();
    }
    TokenVerifier.Result result = verifier.verify(t);
    if (result instanceof TokenVerifier.Valid v) {
      // Held (socket paused) until the reply, also while server-side positions are read.
      tokenExp = v.expiresAtEpochSeconds();
      tokenInfo = v.info();
      return completeConnect(cmd, v.user(), v.channels());
    } else if (result instanceof TokenVerifier.Expired) {
      enqueue(ProtocolCodec.error(cmd.id(), ErrorCodes.TOKEN_EXPIRED));
    } else {
      // The reason only: nothing of the token is logged.
      owner.log.debug("invalid token: {}", ((TokenVerifier.Invalid) result).why());
      close(CloseCodes.INVALID_TOKEN);
    }
    return Future.succeededFuture();
  }

  /**
   * A connection without a token, with a connect hook: the hook decides who it is ({@code user},
   * {@code info}, {@code expire_at}, server-side {@code channels}, {@code data} for the reply,
   * {@code meta} for later hooks), or denies it (the connect's error), or closes it (its
   * disconnect); a failing hook answers error 100, temporary, and the SDK reconnects with backoff.
   * The client id is issued first: the hook sees it.
   */
  private Future<Void> connectThroughHook(Command cmd, dev.tributary.hooks.HookCaller hook) {
    issueClientId();
    JsonObject req = hooks.request(false);
    for (String f : new String[] {"name", "version", "data"}) {
      if (cmd.params().containsKey(f)) {
        req.put(f, cmd.params().getValue(f));
      }
    }
    return hooks.ask(dev.tributary.hooks.Hook.CONNECT, hook, req).transform(ar -> {
      JsonObject r = hooks.allowed(cmd.id(), ar);
      if (r == null) {
        return Future.<Void>succeededFuture();
      }
      viaConnectHook = true;
      tokenExp = r.getLong("expire_at", 0L);
      tokenInfo = r.getValue("info");
      connectData = r.getValue("data");
      hooks.meta = r.getJsonObject("meta");
      List<String> channels = new java.util.ArrayList<>();
      if (r.getJsonArray("channels") != null) {
        r.getJsonArray("channels").forEach(c -> channels.add((String) c));
      }
      return completeConnect(cmd, r.getString("user", ""), channels);
    });
  }

  private void issueClientId() {
    if (clientId == null) {
      clientId = owner.gateway.clientIds.next();
      owner.gateway.clientIdsIssued.incrementAndGet();
    }
  }

  /** Connected: the reply (with server-side subscriptions); completes once it is enqueued. */
  private Future<Void> completeConnect(Command cmd, String user, List<String> serverChannels) {
    this.user = user;
    issueClientId();
    this.state = CONNECTED;
    owner.connected(this);
    pongExpected = true;
    // Server-side subscriptions (the token's channels), with their positions (see Subscriptions).
    Subscriptions.ServerSide server = subscriptions.subscribeServerSide(cmd.params(), serverChannels);
    if (!server.async()) {
      connected(cmd, server);
      return Future.succeededFuture();
    }
    return onOwner(Future.join(new java.util.ArrayList<>(server.results().values())))
        .transform(ar -> {
          if (state != CLOSED) {
            connected(cmd, server);
            flush();
          }
          return Future.<Void>succeededFuture();
        });
  }

  /** The connect reply with its server-side subscriptions, then their held pushes. */
  private void connected(Command cmd, Subscriptions.ServerSide server) {
    JsonObject subs = subscriptions.serverSideReply(server);
    if (subs == null) {
      // The position could not be read (Redis down): reconnect and try again.
      close(CloseCodes.INTERNAL);
      return;
    }
    JsonObject result = new JsonObject()
        .put("client", clientId)
        .put("version", VERSION)
        .put("ping", opts.getPingIntervalSeconds())
        .put("pong", true);
    tokens.connected(tokenExp, result, viaConnectHook && hooks.caller(dev.tributary.hooks.Hook.REFRESH) != null);
    if (connectData != null) {
      result.put("data", connectData);
    }
    if (!subs.isEmpty()) {
      result.put("subs", subs);
    }
    enqueue(ProtocolCodec.reply(cmd.id(), "connect", result));
    subscriptions.serverSideAnswered(server);
  }

  // ---- delivery, for the channel index (see Subscriptions) -----------------------------------

  /** A publication push with its history offset (see {@link Subscriptions#enqueuePublication}). */
  @Override
  protected void deliver(String ch, SharedPush push, long offset) {
    subscriptions.enqueuePublication(ch, push, offset);
  }

  /** The node may have missed publications of {@code ch} (see {@link Subscriptions#insufficientState}). */
  @Override
  protected void insufficientState(String ch) {
    subscriptions.insufficientState(ch);
  }

  int subscriptionCount() {
    return subscriptions.subscriptionCount();
  }

  /** The command's channel if valid and known; else null, the error already answered. */
  String validChannel(Command cmd) {
    Object channel = cmd.params().getValue("channel");
    int err = owner.gateway.rules.check(channel);
    if (err != 0) {
      enqueue(ProtocolCodec.error(cmd.id(), err));
      return null;
    }
    return (String) channel;
  }

  // ---- heartbeat ----------------------------------------------------------------------------

  /** Called by the heartbeat wheel; returns whether a pong is expected. */
  @Override
  protected boolean ping() {
    if (state == CLOSED) {
      return false;
    }
    if (state != CONNECTED) {
      owner.gateway.heartbeatCloses.increment();
      close(CloseCodes.STALE);
      return false;
    }
    enqueueBytes(encoding == Encoding.JSON ? ProtocolCodec.PING : ProtobufCodec.PING);
    return pongExpected && state != CLOSED;
  }

  @Override
  protected void pongMissing() {
    if (state != CLOSED) {
      owner.gateway.heartbeatCloses.increment();
      close(CloseCodes.NO_PONG);
    }
  }

  // ---- outbound -----------------------------------------------------------------------------

  /**
   * Appends one reply or push, given as JSON, to the pending frame (as Protobuf on a Protobuf
   * connection); past the queue bound the connection closes as slow.
   */
  void enqueue(byte[] json) {
    if (state != CLOSED) {
      enqueueBytes(encoding == Encoding.JSON ? json : ProtobufCodec.replyFromJson(json));
    }
  }

  /** A push shared by the channel's subscribers: its bytes in this connection's encoding. */
  void enqueuePush(SharedPush push) {
    if (state != CLOSED) {
      enqueueBytes(push.bytes(encoding, owner.gateway.protobufTranscodes));
    }
  }

  /** What a reply takes besides its publications: id, method, epoch, offset, recovery flags. */
  private static final int REPLY_OVERHEAD_BYTES = 256;

  /**
   * Bytes of publications a history reply or a recovery may carry now: half of
   * {@code maxQueueBytes} less what is already queued and the reply's own overhead (the other half
   * stays for the live pushes that follow), so such an answer never closes its connection with 3008.
   * May be negative (nothing fits).
   */
  long replyBudget() {
    return opts.getMaxQueueBytes() / 2 - unsentBytes() - REPLY_OVERHEAD_BYTES;
  }

  /** The socket is gone (either side closed it): free everything. Runs once. */
  @Override
  protected void released() {
    subscriptions.releaseAll();
    tokens.release();
  }
}
