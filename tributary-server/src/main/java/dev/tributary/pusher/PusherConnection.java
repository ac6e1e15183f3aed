package dev.tributary.pusher;

import dev.tributary.config.PusherAppOptions;
import dev.tributary.gateway.ClientConnection;
import dev.tributary.gateway.CloseCodes;
import dev.tributary.gateway.TokenBucket;
import dev.tributary.protocol.ProtocolCodec;
import dev.tributary.protocol.SharedPush;
import dev.tributary.history.HistoryStore;
import dev.tributary.presence.PresenceStore;
import io.vertx.core.Future;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Pusher protocol 7 client: {@code pusher:connection_established} on open, subscribe and
 * unsubscribe (public, private, presence, encrypted and cache channels), client events, sign-in,
 * ping/pong. One event per frame. Runs on the event loop that accepted the socket, like every
 * connection; the core (queue bound, slow close, heartbeat, channel index, shutdown) is
 * {@link ClientConnection}'s.
 *
 * <p>Errors (see docs/PROTOCOL.md): {@code pusher:error} with 4001 (unknown app), 4007/4008
 * (protocol version), 4100 (over capacity), 4009 (bad signature), 4300 (bad message), 4301
 * (client event rate limit), 4302 (event too large); a subscription that fails also gets
 * {@code pusher:subscription_error} on its channel.
 */
final class PusherConnection extends ClientConnection {
  private static final Logger log = LoggerFactory.getLogger(PusherConnection.class);

  static final int UNKNOWN_APP = 4001;
  static final int UNSUPPORTED_PROTOCOL = 4007;
  static final int NO_PROTOCOL = 4008;
  static final int UNAUTHORIZED = 4009;
  static final int OVER_CAPACITY = 4100;
  static final int RECONNECT = 4200;
  static final int PONG_NOT_RECEIVED = 4201;
  static final int INACTIVE = 4202;
  static final int BAD_MESSAGE = 4300;
  static final int RATE_LIMITED = 4301;
  static final int TOO_LARGE = 4302;
  /** Pushes one subscription may hold while its answer is pending; past it the subscription is refused. */
  private static final int MAX_HELD = 10_000;

  private final PusherEndpoint endpoint;
  private final Upgrade up;
  private PusherAppOptions app;
  private String socketId;
  /** The user of a sign-in, null before one. */
  private String signedInUser;
  private final TokenBucket messages;
  private TokenBucket clientEventBucket;
  private int rejectedInRow;
  /** Subscriptions by Pusher channel name. */
  private final Map<String, Sub> subs = new HashMap<>();

  /** One channel of this connection. */
  private static final class Sub {
    final String name;
    final String channel;
    /** Presence: this connection's user id; null on other channels. */
    final String user;
    final JsonObject userInfo;
    /** Pushes received before the subscription was answered; null once answered. */
    List<SharedPush> held = new ArrayList<>();
    /** Presence: the clients of each user in the channel, as this connection knows them. */
    final Map<String, Set<String>> members = new LinkedHashMap<>();

    Sub(String name, String channel, String user, JsonObject userInfo) {
      this.name = name;
      this.channel = channel;
      this.user = user;
      this.userInfo = userInfo;
    }
  }

  PusherConnection(PusherEndpoint endpoint, Upgrade up) {
    super(up, 1, false);
    this.endpoint = endpoint;
    this.up = up;
    this.messages = new TokenBucket(up.options().getRateLimit().getCommandsPerSecond(),
        up.options().getRateLimit().getBurst(), endpoint.gateway.clock().nanoTime());
  }

  @Override
  protected String id() {
    return socketId;
  }

  /** The app key from the path, the protocol version from the query; then connected or refused. */
  @Override
  protected void opened() {
    String key = up.path().substring(PusherEndpoint.PATH_PREFIX.length());
    PusherAppOptions a = endpoint.appByKey(key);
    if (a == null) {
      fail(UNKNOWN_APP, "App key " + truncate(key) + " not in this cluster. Did you forget to specify the cluster?");
      return;
    }
    String protocol = queryParam(up.query(), "protocol");
    if (protocol == null) {
      fail(NO_PROTOCOL, "No protocol version supplied");
      return;
    }
    if (!protocol.equals("5") && !protocol.equals("6") && !protocol.equals("7")) {
      fail(UNSUPPORTED_PROTOCOL, "Unsupported protocol version " + truncate(protocol) + " (5 to 7 are)");
      return;
    }
    if (!endpoint.admit(a)) {
      fail(OVER_CAPACITY, "Over capacity: the app's connection limit is reached");
      return;
    }
    this.app = a;
    this.socketId = endpoint.newSocketId();
    this.clientEventBucket = new TokenBucket(a.getMaxClientEventsPerSecond(), a.getMaxClientEventsPerSecond(),
        endpoint.gateway.clock().nanoTime());
    state = CONNECTED;
    enqueueBytes(PusherCodec.connectionEstablished(socketId, up.options().getPingIntervalSeconds()));
    flush();
  }

  static String queryParam(String query, String name) {
    if (query == null) {
      return null;
    }
    for (String part : query.split("&")) {
      int eq = part.indexOf('=');
      String k = eq < 0 ? part : part.substring(0, eq);
      if (k.equals(name)) {
        return eq < 0 ? "" : java.net.URLDecoder.decode(part.substring(eq + 1), java.nio.charset.StandardCharsets.UTF_8);
      }
    }
    return null;
  }

  private static String truncate(String s) {
    return s.length() > 64 ? s.substring(0, 64) + "…" : s;
  }

  /** {@code pusher:error} with {@code code}, then the close with that code. */
  private void fail(int code, String message) {
    enqueueBytes(PusherCodec.error(code, message));
    close((short) code);
  }

  private void error(int code, String message) {
    enqueueBytes(PusherCodec.error(code, message));
  }

  @Override
  protected short closeCodeFor(short core) {
    return switch (core) {
      case CloseCodes.SLOW -> OVER_CAPACITY;
      case CloseCodes.SHUTDOWN, CloseCodes.INTERNAL -> RECONNECT;
      case CloseCodes.NO_PONG -> PONG_NOT_RECEIVED;
      case CloseCodes.STALE -> INACTIVE;
      case CloseCodes.TOO_MANY_REQUESTS -> RATE_LIMITED;
      case CloseCodes.BAD_REQUEST -> BAD_MESSAGE;
      default -> core;
    };
  }

  // ---- inbound --------------------------------------------------------------------------------

  @Override
  protected void onMessage(String text) {
    pongReceived(); // any message shows the client is there
    if (state != CONNECTED) {
      return;
    }
    if (!messages.tryAcquire(endpoint.gateway.clock().nanoTime())) {
      endpoint.gateway.rateLimitedCount();
      if (++rejectedInRow >= up.options().getRateLimit().getMaxRejected()) {
        fail(RATE_LIMITED, "Too many messages: closed");
      } else {
        error(RATE_LIMITED, "Too many messages: dropped");
        flush();
      }
      return;
    }
    rejectedInRow = 0;
    JsonObject msg;
    try {
      msg = new JsonObject(text);
    } catch (DecodeException | ClassCastException e) {
      bad("Invalid JSON: a message is a JSON object with an event");
      return;
    }
    if (!(msg.getValue("event") instanceof String event)) {
      bad("Invalid message: no event name");
      return;
    }
    switch (event) {
      case "pusher:ping" -> enqueueBytes(PusherCodec.PONG);
      case "pusher:pong" -> { }
      case "pusher:subscribe" -> subscribe(msg.getValue("data"));
      case "pusher:unsubscribe" -> unsubscribe(msg.getValue("data"));
      case "pusher:signin" -> signin(msg.getValue("data"));
      default -> {
        if (event.startsWith("client-")) {
          clientEvent(event, msg);
        } else {
          bad("Unknown event " + truncate(event));
        }
      }
    }
    flush();
  }

  private void bad(String message) {
    endpoint.badMessages.increment();
    error(BAD_MESSAGE, message);
    flush();
  }

  private static JsonObject dataObject(Object data) {
    if (data instanceof JsonObject o) {
      return o;
    }
    if (data instanceof String s) {
      try {
        return new JsonObject(s);
      } catch (DecodeException | ClassCastException e) {
        return null;
      }
    }
    return null;
  }

  // ---- subscribe ------------------------------------------------------------------------------

  private void subscribe(Object rawData) {
    JsonObject data = dataObject(rawData);
    if (data == null || !PusherCodec.validChannel(data.getValue("channel"))) {
      bad("Invalid subscribe: data.channel must be a channel name (letters, digits, _-=@,.; up to 164)");
      return;
    }
    String name = data.getString("channel");
    if (subs.containsKey(name)) {
      return; // already subscribed (or subscribing)
    }
    if (subs.size() >= up.options().getMaxChannelsPerConnection()) {
      enqueueBytes(PusherCodec.subscriptionError(name, "LimitReached",
          "Too many channels on this connection (gateway.maxChannelsPerConnection)", OVER_CAPACITY));
      return;
    }
    String channelData = null;
    String user = null;
    JsonObject userInfo = null;
    if (PusherCodec.needsAuth(name)) {
      Object cd = data.getValue("channel_data");
      if (PusherCodec.isPresence(name)) {
        if (!(cd instanceof String s)) {
          authFailed(name, "Presence channels need channel_data (a JSON string with user_id)");
          return;
        }
        channelData = s;
      }
      String expected = PusherSignatures.channelAuth(app.getKey(), app.getSecret(), socketId, name, channelData);
      if (!PusherSignatures.equal(expected, data.getValue("auth") instanceof String a ? a : null)) {
        authFailed(name, "Invalid signature: expected HMAC SHA256 hex digest of " + socketId + ":" + name
            + (channelData == null ? "" : ":<channel_data>"));
        return;
      }
      if (channelData != null) {
        JsonObject cdo = dataObject(channelData);
        Object uid = cdo == null ? null : cdo.getValue("user_id");
        if (!(uid instanceof String) && !(uid instanceof Number)) {
          authFailed(name, "channel_data must be a JSON object with user_id");
          return;
        }
        user = String.valueOf(uid);
        if (user.isEmpty() || user.length() > 128) {
          authFailed(name, "user_id must be 1-128 characters");
          return;
        }
        userInfo = cdo.getValue("user_info") instanceof JsonObject ui ? ui : null;
      }
    }
    String channel = PusherCodec.toTributary(app.getNamespace(), name);
    int err = endpoint.gateway.rules().check(channel);
    if (err != 0) {
      enqueueBytes(PusherCodec.subscriptionError(name, "ChannelError",
          dev.tributary.protocol.ErrorCodes.message(err) + ": " + channel, 400));
      return;
    }
    Sub sub = new Sub(name, channel, user, userInfo);
    subs.put(name, sub);
    if (user != null) {
      endpoint.addUser(app.getId(), user, this);
    }
    onOwner(joinIndex(channel)).onComplete(ar -> {
      if (subs.get(name) != sub || state == CLOSED) {
        return;
      }
      if (ar.failed()) {
        refuse(sub, "ServerError", "Channel unavailable, try again: " + ar.cause().getMessage(), 503);
        return;
      }
      if (sub.user != null) {
        joinPresence(sub);
      } else {
        succeeded(sub, "{}");
      }
    });
  }

  private void authFailed(String name, String message) {
    endpoint.authFailures.increment();
    enqueueBytes(PusherCodec.error(UNAUTHORIZED, message));
    enqueueBytes(PusherCodec.subscriptionError(name, "AuthError", message, 401));
  }

  /** Presence: add this client, read the members, check the limit, answer, tell the others. */
  private void joinPresence(Sub sub) {
    PresenceStore presence = endpoint.gateway.presence();
    PresenceStore.ClientInfo me = new PresenceStore.ClientInfo(socketId, sub.user, sub.userInfo);
    onOwner(presence.add(sub.channel, me).compose(v -> presence.presence(sub.channel))).onComplete(ar -> {
      if (subs.get(sub.name) != sub || state == CLOSED) {
        presence.remove(sub.channel, socketId); // left while joining: the entry added goes too
        return;
      }
      if (ar.failed()) {
        presence.remove(sub.channel, socketId);
        refuse(sub, "ServerError", "Presence unavailable, try again", 503);
        return;
      }
      for (PresenceStore.ClientInfo c : ar.result().values()) {
        sub.members.computeIfAbsent(c.user(), k -> new HashSet<>()).add(c.client());
      }
      if (sub.members.size() > app.getMaxPresenceMembers()
          && sub.members.getOrDefault(sub.user, Set.of()).size() <= 1) {
        presence.remove(sub.channel, socketId);
        refuse(sub, "LimitReached", "The presence channel has reached its member limit ("
            + app.getMaxPresenceMembers() + ")", OVER_CAPACITY);
        return;
      }
      JsonArray ids = new JsonArray();
      JsonObject hash = new JsonObject();
      Map<String, JsonObject> infos = new HashMap<>();
      for (PresenceStore.ClientInfo c : ar.result().values()) {
        infos.putIfAbsent(c.user(), c.chanInfo());
      }
      for (String u : sub.members.keySet()) {
        ids.add(u);
        hash.put(u, infos.get(u));
      }
      String data = new JsonObject().put("presence", new JsonObject().put("ids", ids).put("hash", hash)
          .put("count", ids.size())).encode();
      // The join goes out before the answer: a client that acts on the answer (and leaves)
      // publishes after it, so every subscriber sees this join before that leave.
      endpoint.gateway.hub().publish(sub.channel,
          ProtocolCodec.joinLeavePush(sub.channel, true, socketId, sub.user, sub.userInfo))
          .onFailure(e -> log.debug("join of {} in {} not published: {}", socketId, sub.channel, e.getMessage()));
      succeeded(sub, data);
      if (sub.members.getOrDefault(sub.user, Set.of()).size() == 1 && PusherWebhooks.wanted(app, "member_added")) {
        endpoint.webhooks.add(app, new JsonObject().put("name", "member_added").put("channel", sub.name)
            .put("user_id", sub.user));
      }
    });
  }

  /** The subscription is answered: then what was held, then (cache channels) the last event. */
  private void succeeded(Sub sub, String dataJson) {
    enqueueBytes(PusherCodec.subscriptionSucceeded(sub.name, dataJson));
    List<SharedPush> held = sub.held;
    sub.held = null;
    for (SharedPush p : held) {
      deliverTo(sub, p);
    }
    if (PusherCodec.isCache(sub.name)) {
      replayLast(sub);
    }
    flush();
  }

  /** Cache channels: the channel's last publication from history, or {@code pusher:cache_miss}. */
  private void replayLast(Sub sub) {
    HistoryStore history = endpoint.gateway.hub().history();
    if (history == null || endpoint.gateway.rules().historySize(sub.channel) == 0) {
      enqueueBytes(PusherCodec.cacheMiss(sub.name));
      return;
    }
    onOwner(history.history(sub.channel, 1, 0, true, up.options().getMaxQueueBytes() / 2)).onComplete(ar -> {
      if (subs.get(sub.name) != sub || state == CLOSED) {
        return;
      }
      if (ar.failed() || ar.result().entries().isEmpty()) {
        enqueueBytes(PusherCodec.cacheMiss(sub.name));
      } else {
        HistoryStore.Entry e = ar.result().entries().get(0);
        PusherCodec.Push p = PusherCodec.encode(ProtocolCodec.publicationPush(sub.channel, e.dataJson(), e.infoJson(), 0));
        if (p.bytes() != null) {
          enqueueBytes(p.bytes());
        }
      }
      flush();
    });
  }

  private void refuse(Sub sub, String type, String message, int status) {
    subs.remove(sub.name);
    leaveIndex(sub.channel);
    if (sub.user != null) {
      endpoint.removeUser(app.getId(), sub.user, this);
    }
    enqueueBytes(PusherCodec.subscriptionError(sub.name, type, message, status));
    flush();
  }

  private void unsubscribe(Object rawData) {
    JsonObject data = dataObject(rawData);
    if (data == null || !(data.getValue("channel") instanceof String name)) {
      bad("Invalid unsubscribe: data.channel required");
      return;
    }
    Sub sub = subs.remove(name);
    if (sub != null) {
      leave(sub);
    }
  }

  /** Leaving a channel (unsubscribe or close): index, presence entry, member_removed for the others. */
  private void leave(Sub sub) {
    leaveIndex(sub.channel);
    if (sub.user != null) {
      endpoint.removeUser(app.getId(), sub.user, this);
      if (sub.held == null) {
        PresenceStore presence = endpoint.gateway.presence();
        PusherAppOptions a = app;
        Future<Void> removed = presence.remove(sub.channel, socketId);
        if (PusherWebhooks.wanted(a, "member_removed")) {
          removed.compose(v -> presence.presence(sub.channel)).onSuccess(rest -> {
            for (PresenceStore.ClientInfo c : rest.values()) {
              if (c.user().equals(sub.user)) {
                return;
              }
            }
            endpoint.webhooks.add(a, new JsonObject().put("name", "member_removed").put("channel", sub.name)
                .put("user_id", sub.user));
          });
        }
        endpoint.gateway.hub().publish(sub.channel,
            ProtocolCodec.joinLeavePush(sub.channel, false, socketId, sub.user, null))
            .onFailure(e -> log.debug("leave of {} in {} not published: {}", socketId, sub.channel, e.getMessage()));
      } else {
        endpoint.gateway.presence().remove(sub.channel, socketId);
      }
    }
  }

  // ---- sign-in and client events --------------------------------------------------------------

  private void signin(Object rawData) {
    JsonObject data = dataObject(rawData);
    Object userData = data == null ? null : data.getValue("user_data");
    if (!(userData instanceof String ud)) {
      bad("Invalid signin: data.user_data (a JSON string) and data.auth required");
      return;
    }
    String expected = PusherSignatures.signinAuth(app.getKey(), app.getSecret(), socketId, ud);
    if (!PusherSignatures.equal(expected, data.getValue("auth") instanceof String a ? a : null)) {
      endpoint.authFailures.increment();
      fail(UNAUTHORIZED, "Invalid signature for signin");
      return;
    }
    JsonObject u = dataObject(ud);
    Object id = u == null ? null : u.getValue("id");
    if (!(id instanceof String) && !(id instanceof Number)) {
      fail(UNAUTHORIZED, "user_data must be a JSON object with id");
      return;
    }
    if (signedInUser != null) {
      endpoint.removeUser(app.getId(), signedInUser, this);
    }
    signedInUser = String.valueOf(id);
    endpoint.addUser(app.getId(), signedInUser, this);
    enqueueBytes(PusherCodec.message("pusher:signin_success", null,
        new JsonObject().put("user_data", ud).encode()));
  }

  private void clientEvent(String event, JsonObject msg) {
    Object channelValue = msg.getValue("channel");
    Sub sub = channelValue instanceof String n ? subs.get(n) : null;
    String refusal = null;
    int code = BAD_MESSAGE;
    if (!app.isClientEvents()) {
      refusal = "Client events are not enabled for this app (pusher.apps[].clientEvents)";
    } else if (!PusherCodec.validEvent(event)) {
      refusal = "Invalid event name";
    } else if (sub == null || sub.held != null) {
      refusal = "Client event on a channel this connection is not subscribed to";
    } else if (!PusherCodec.needsAuth(sub.name) || PusherCodec.isEncrypted(sub.name)) {
      refusal = "Client events are allowed on private and presence channels only (not encrypted ones)";
    } else if (!clientEventBucket.tryAcquire(endpoint.gateway.clock().nanoTime())) {
      refusal = "Client event rejected due to rate limit (" + app.getMaxClientEventsPerSecond() + "/s)";
      code = RATE_LIMITED;
    }
    if (refusal == null) {
      Object data = msg.getValue("data");
      // Pusher's limit is on the data as sent: a string's characters, else its JSON.
      String sent = data instanceof String str ? str : Json.encode(data);
      if (ProtocolCodec.utf8Length(sent) > app.getMaxEventBytes()) {
        refusal = "Client event data over " + app.getMaxEventBytes() + " bytes";
        code = TOO_LARGE;
      }
    }
    if (refusal != null) {
      endpoint.clientEventsRejected.increment();
      error(code, refusal);
      return;
    }
    String dataJson = PusherCodec.eventData(event, msg.getValue("data"));
    endpoint.clientEvents.increment();
    String user = sub.user != null ? sub.user : signedInUser;
    if (PusherWebhooks.wanted(app, "client_event")) {
      Object d = msg.getValue("data");
      JsonObject hook = new JsonObject().put("name", "client_event").put("channel", sub.name).put("event", event)
          .put("data", d instanceof String str ? str : Json.encode(d)).put("socket_id", socketId);
      if (sub.user != null) {
        hook.put("user_id", sub.user);
      }
      endpoint.webhooks.add(app, hook);
    }
    onOwner(endpoint.gateway.hub().publishExternal(sub.channel, dataJson, PusherCodec.eventInfo(socketId, user)))
        .onFailure(e -> {
          if (state != CLOSED) {
            error(BAD_MESSAGE, "Client event not delivered: " + e.getMessage());
            flush();
          }
        });
  }

  // ---- delivery -------------------------------------------------------------------------------

  @Override
  protected void deliver(String channel, SharedPush push, long offset) {
    Sub sub = subs.get(PusherCodec.toPusher(channel));
    if (sub == null || !sub.channel.equals(channel)) {
      return;
    }
    if (sub.held != null) {
      if (sub.held.size() >= MAX_HELD) {
        refuse(sub, "ServerError", "Too many events while subscribing, subscribe again", 503);
        return;
      }
      sub.held.add(push);
      return;
    }
    deliverTo(sub, push);
  }

  private void deliverTo(Sub sub, SharedPush shared) {
    PusherCodec.Push p = PusherCodec.of(shared);
    switch (p.kind()) {
      case EVENT -> {
        if (!socketId.equals(p.client())) {
          enqueueBytes(p.bytes());
        }
      }
      case MEMBER_ADDED -> {
        if (sub.user == null) {
          return; // a public channel's joins are not Pusher events
        }
        Set<String> clients = sub.members.computeIfAbsent(p.user(), k -> new HashSet<>());
        if (clients.add(p.client()) && clients.size() == 1 && !socketId.equals(p.client())) {
          enqueueBytes(p.bytes());
        }
      }
      case MEMBER_REMOVED -> {
        if (sub.user == null) {
          return;
        }
        Set<String> clients = sub.members.get(p.user());
        if (clients != null && clients.remove(p.client()) && clients.isEmpty()) {
          sub.members.remove(p.user());
          if (!p.user().equals(sub.user)) {
            enqueueBytes(p.bytes());
          }
        }
      }
      case NONE -> { }
    }
  }

  /** The node may have missed publications: Pusher has no recovery, the client reconnects (4200). */
  @Override
  protected void insufficientState(String channel) {
    fail(RECONNECT, "Missed events of " + PusherCodec.toPusher(channel) + ": reconnect");
  }

  // ---- heartbeat and end ----------------------------------------------------------------------

  @Override
  protected boolean ping() {
    if (state != CONNECTED) {
      return false;
    }
    enqueueBytes(PusherCodec.PING);
    flush();
    return state != CLOSED;
  }

  @Override
  protected void pongMissing() {
    if (state != CLOSED) {
      endpoint.gateway.heartbeatCloseCount();
      fail(PONG_NOT_RECEIVED, "Pong reply not received");
    }
  }

  /** terminate_connections: the user's connection is closed (4009, no reconnect with the same credentials). */
  void terminate() {
    if (state != CLOSED) {
      fail(UNAUTHORIZED, "Connection terminated by the server (terminate_connections)");
    }
  }

  @Override
  protected void released() {
    for (Sub sub : subs.values()) {
      leave(sub);
    }
    subs.clear();
    if (app != null) {
      endpoint.release(app);
      if (signedInUser != null) {
        endpoint.removeUser(app.getId(), signedInUser, this);
      }
    }
  }
}
