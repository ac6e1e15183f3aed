package dev.tributary.gateway;

import dev.tributary.auth.TokenVerifier;
import dev.tributary.protocol.Command;
import dev.tributary.protocol.ErrorCodes;
import dev.tributary.protocol.ProtocolCodec;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;

/**
 * Token lifecycle of one {@link Connection}, as Centrifugo's client-side refresh works: the
 * connection token's {@code exp} (connect reply {@code expires}/{@code ttl}; {@code refresh} with a
 * new token extends it; {@code auth.expiredCloseDelaySeconds} after {@code exp} without one the
 * connection is closed with 3005 "connection expired", and the client reconnects), and the
 * subscription tokens of its channels ({@code subscribe} with {@code token}; {@code sub_refresh};
 * {@code auth.expiredSubCloseDelaySeconds} after {@code exp} without one the subscription ends
 * with unsubscribe 2501 "subscription expired", and the client subscribes again with a new token).
 *
 * <p>Deadlines sit in the instance's {@link Expiries}, advanced by its one-second timer on this
 * connection's event loop; like the connection, this object is only touched there. A refresh bumps
 * the generation, so the deadline it replaces is ignored when it comes due.
 */
final class TokenLifecycle {
  /** Unsubscribe push code of an expired subscription (Centrifugo's {@code UnsubscribeCodeExpired}). */
  static final int SUBSCRIPTION_EXPIRED = 2501;

  /**
   * What a subscribe's token (or subscribe hook) granted: its {@code exp} (0 = none), {@code info}
   * (null = none), the hook's {@code data} for the reply (null = none), and whether the
   * sub_refresh hook extends it at {@code exp} (the client is then not told it expires).
   */
  record SubGrant(long expiresAt, JsonObject info, Object data, boolean serverRefresh) {
    static final SubGrant NONE = new SubGrant(0, null, null, false);

    SubGrant(long expiresAt, JsonObject info) {
      this(expiresAt, info, null, false);
    }
  }

  private static final class SubToken {
    long expiresAt;
    JsonObject info;
    long generation;
    boolean serverRefresh;
  }

  /** A refresh or sub_refresh hook that failed is asked again this much later. */
  static final long HOOK_RETRY_MILLIS = 10_000;

  private final Connection conn;
  private final GatewayVerticle owner;
  /** Connection token expiry, epoch seconds; 0 = none. */
  private long expiresAt;
  /** The refresh hook extends the connection at {@code expiresAt} (it came in through the connect hook). */
  private boolean serverRefresh;
  /** Bumped by every connection token (connect, refresh): only the latest deadline counts. */
  private long generation;
  /** Source of subscription token generations (one sequence for all channels). */
  private long subGenerations;
  private Map<String, SubToken> subs;
  private boolean released;

  TokenLifecycle(Connection conn) {
    this.conn = conn;
    this.owner = conn.owner;
  }

  // ---- connection token ----------------------------------------------------------------------

  /**
   * Connected with a token whose {@code exp} is {@code exp} (0 = none): the reply says so, expiry is
   * scheduled. With {@code serverRefresh} (connect hook, refresh hook configured) the reply does
   * not say so: the refresh hook is asked at {@code exp}.
   */
  void connected(long exp, JsonObject connectResult, boolean serverRefresh) {
    this.serverRefresh = serverRefresh;
    if (exp > 0 && serverRefresh) {
      expiresAt = exp;
      schedule(null, ++generation, exp, 0);
    } else if (exp > 0) {
      expiresAt = exp;
      connectResult.put("expires", true).put("ttl", ttl(exp));
      schedule(null, ++generation, exp, owner.gateway.options.getAuth().getExpiredCloseDelaySeconds());
    }
  }

  /** {@code refresh}: a new connection token for the same user replaces the expiry. */
  void refresh(Command cmd) {
    TokenVerifier verifier = owner.verifier;
    if (verifier == null) {
      conn.enqueue(ProtocolCodec.error(cmd.id(), ErrorCodes.NOT_AVAILABLE));
      return;
    }
    Object token = cmd.params().getValue("token");
    if (!(token instanceof String t) || t.isEmpty()) {
      owner.log.debug("refresh without token from {}", conn.clientId());
      conn.close(CloseCodes.BAD_REQUEST);
      return;
    }
    TokenVerifier.Result r = verifier.verify(t);
    if (r instanceof TokenVerifier.Expired) {
      conn.close(CloseCodes.CONNECTION_EXPIRED);
      return;
    }
    if (r instanceof TokenVerifier.Invalid i) {
      owner.log.debug("invalid refresh token from {}: {}", conn.clientId(), i.why());
      conn.close(CloseCodes.INVALID_TOKEN);
      return;
    }
    TokenVerifier.Valid v = (TokenVerifier.Valid) r;
    if (!v.user().equals(conn.user())) {
      owner.log.debug("refresh token of another user from {}", conn.clientId());
      conn.close(CloseCodes.INVALID_TOKEN);
      return;
    }
    generation++;
    long exp = v.expiresAtEpochSeconds();
    JsonObject result = new JsonObject().put("client", conn.clientId()).put("version", Connection.VERSION)
        .put("expires", exp > 0);
    expiresAt = exp;
    if (exp > 0) {
      result.put("ttl", ttl(exp));
      schedule(null, generation, exp, owner.gateway.options.getAuth().getExpiredCloseDelaySeconds());
    }
    conn.enqueue(ProtocolCodec.reply(cmd.id(), "refresh", result));
  }

  /**
   * The server API's {@code refresh}: {@code expired} closes the connection now with 3005
   * "connection expired" (the client reconnects with a new token); otherwise {@code expireAt}
   * (epoch seconds) replaces the connection's expiry, 0 removing it. Past the new expiry the
   * connection closes as after its token's {@code exp}, unless a client {@code refresh} extends it.
   */
  void refreshFromServer(long expireAt, boolean expired) {
    if (expired) {
      conn.close(CloseCodes.CONNECTION_EXPIRED);
      return;
    }
    generation++;
    expiresAt = expireAt;
    if (expireAt > 0) {
      schedule(null, generation, expireAt, owner.gateway.options.getAuth().getExpiredCloseDelaySeconds());
    }
  }

  // ---- subscription tokens -------------------------------------------------------------------

  /**
   * The token check of a {@code subscribe} to {@code ch}: the grant, or null when the command is
   * already answered (103 without a required token, 109 expired) or the connection closed (3500).
   */
  SubGrant subscribeGrant(Command cmd, String ch) {
    Object token = cmd.params().getValue("token");
    TokenVerifier verifier = owner.verifier;
    if (!(token instanceof String t) || t.isEmpty() || verifier == null) {
      if (owner.gateway.rules.subscribeTokenRequired(ch)) {
        conn.enqueue(ProtocolCodec.error(cmd.id(), ErrorCodes.PERMISSION_DENIED));
        return null;
      }
      return SubGrant.NONE;
    }
    TokenVerifier.Result r = verifier.verifySubscription(t, conn.user(), ch);
    if (r instanceof TokenVerifier.Valid v) {
      return new SubGrant(v.expiresAtEpochSeconds(), v.info());
    }
    if (r instanceof TokenVerifier.Expired) {
      conn.enqueue(ProtocolCodec.error(cmd.id(), ErrorCodes.TOKEN_EXPIRED));
    } else {
      owner.log.debug("invalid subscription token from {}: {}", conn.clientId(), ((TokenVerifier.Invalid) r).why());
      conn.close(CloseCodes.INVALID_TOKEN);
    }
    return null;
  }

  /**
   * Subscribed with {@code grant}: its expiry is scheduled; returns the result JSON with
   * {@code expires}/{@code ttl} (unless the sub_refresh hook extends it) and the hook's {@code data}.
   */
  String subscribed(String ch, SubGrant grant, String resultJson) {
    String data = grant.data() == null ? null : "\"data\":" + io.vertx.core.json.Json.encode(grant.data());
    if (grant.expiresAt() == 0 && grant.info() == null) {
      return withFields(resultJson, data);
    }
    SubToken t = new SubToken();
    t.info = grant.info();
    if (subs == null) {
      subs = new HashMap<>(4);
    }
    subs.put(ch, t);
    if (grant.expiresAt() == 0) {
      return withFields(resultJson, data);
    }
    t.expiresAt = grant.expiresAt();
    t.generation = ++subGenerations;
    t.serverRefresh = grant.serverRefresh();
    if (t.serverRefresh) {
      schedule(ch, t.generation, t.expiresAt, 0);
      return withFields(resultJson, data);
    }
    schedule(ch, t.generation, t.expiresAt, owner.gateway.options.getAuth().getExpiredSubCloseDelaySeconds());
    String fields = "\"expires\":true,\"ttl\":" + ttl(t.expiresAt);
    return withFields(resultJson, data == null ? fields : fields + "," + data);
  }

  /** {@code resultJson} (null = {}) with {@code fields} ("a":1,"b":2; null = none) first. */
  private static String withFields(String resultJson, String fields) {
    if (fields == null) {
      return resultJson;
    }
    return resultJson == null || resultJson.equals("{}") ? "{" + fields + "}" : "{" + fields + "," + resultJson.substring(1);
  }

  /** The {@code info} of {@code ch}'s subscription token, or null. */
  JsonObject channelInfo(String ch) {
    SubToken t = subs == null ? null : subs.get(ch);
    return t == null ? null : t.info;
  }

  /** {@code ch} is left (unsubscribe, insufficient state, expiry): its token state goes. */
  void unsubscribed(String ch) {
    if (subs != null) {
      subs.remove(ch);
    }
  }

  /** {@code sub_refresh}: a new subscription token for a subscribed channel replaces its expiry. */
  void subRefresh(Command cmd) {
    Object channel = cmd.params().getValue("channel");
    if (!(channel instanceof String ch) || ch.isEmpty()) {
      conn.close(CloseCodes.BAD_REQUEST);
      return;
    }
    if (!conn.subscriptions.isSubscribed(ch)) {
      conn.enqueue(ProtocolCodec.error(cmd.id(), ErrorCodes.PERMISSION_DENIED));
      return;
    }
    TokenVerifier verifier = owner.verifier;
    if (verifier == null) {
      conn.enqueue(ProtocolCodec.error(cmd.id(), ErrorCodes.NOT_AVAILABLE));
      return;
    }
    Object token = cmd.params().getValue("token");
    if (!(token instanceof String t) || t.isEmpty()) {
      conn.enqueue(ProtocolCodec.error(cmd.id(), ErrorCodes.BAD_REQUEST));
      return;
    }
    TokenVerifier.Result r = verifier.verifySubscription(t, conn.user(), ch);
    if (r instanceof TokenVerifier.Expired) {
      conn.enqueue(ProtocolCodec.error(cmd.id(), ErrorCodes.TOKEN_EXPIRED));
      return;
    }
    if (r instanceof TokenVerifier.Invalid i) {
      owner.log.debug("invalid subscription refresh token from {}: {}", conn.clientId(), i.why());
      conn.close(CloseCodes.INVALID_TOKEN);
      return;
    }
    TokenVerifier.Valid v = (TokenVerifier.Valid) r;
    if (subs == null) {
      subs = new HashMap<>(4);
    }
    SubToken st = subs.computeIfAbsent(ch, k -> new SubToken());
    st.generation = ++subGenerations;
    st.expiresAt = v.expiresAtEpochSeconds();
    if (v.info() != null) {
      st.info = v.info();
    }
    JsonObject result = new JsonObject().put("expires", st.expiresAt > 0);
    if (st.expiresAt > 0) {
      result.put("ttl", ttl(st.expiresAt));
      schedule(ch, st.generation, st.expiresAt, owner.gateway.options.getAuth().getExpiredSubCloseDelaySeconds());
    }
    conn.enqueue(ProtocolCodec.reply(cmd.id(), "sub_refresh", result));
  }

  // ---- deadlines -----------------------------------------------------------------------------

  private void schedule(String ch, long gen, long exp, int delaySeconds) {
    owner.expiries.add((exp + delaySeconds) * 1000L, this, ch, gen);
  }

  private long ttl(long exp) {
    return Math.max(1, exp - Math.floorDiv(owner.clock.epochMillis(), 1000L));
  }

  /** A deadline came due (from {@link Expiries}); ignored if refreshed or gone since. */
  void due(String ch, long gen) {
    if (released || conn.isClosed()) {
      return;
    }
    if (ch == null) {
      if (gen == generation && expiresAt > 0) {
        if (serverRefresh) {
          refreshThroughHook(gen);
        } else {
          conn.close(CloseCodes.CONNECTION_EXPIRED);
        }
      }
      return;
    }
    SubToken t = subs == null ? null : subs.get(ch);
    if (t != null && t.generation == gen && t.expiresAt > 0) {
      if (t.serverRefresh) {
        subRefreshThroughHook(ch, t);
        return;
      }
      subExpired(ch);
    }
  }

  private void subExpired(String ch) {
    subs.remove(ch);
    conn.subscriptions.end(ch, SUBSCRIPTION_EXPIRED, "subscription expired");
    conn.flush();
  }

  // ---- server-side refresh through hooks ----------------------------------------------------

  /**
   * The connection reached its {@code expire_at}: the refresh hook extends it ({@code expire_at},
   * new {@code info}; none: no more expiry), lets it expire ({@code expired: true}, an
   * {@code expire_at} already past, or a denial: closed with 3005), or
   * closes it (a disconnect). A failing hook is asked again {@link #HOOK_RETRY_MILLIS} later; the
   * connection stays meanwhile.
   */
  private void refreshThroughHook(long gen) {
    dev.tributary.hooks.Hook h = dev.tributary.hooks.Hook.REFRESH;
    conn.hooks.ask(h, conn.hooks.caller(h), conn.hooks.request(true)).onComplete(ar -> {
      if (released || conn.isClosed() || gen != generation) {
        return;
      }
      JsonObject r = refreshed(ar, null, gen);
      if (r == null) {
        return;
      }
      long exp = r.getLong("expire_at", 0L);
      if (r.containsKey("info")) {
        conn.tokenInfo(r.getValue("info"));
      }
      expiresAt = exp;
      if (exp > 0) {
        schedule(null, ++generation, exp, 0);
      }
    });
  }

  /** As {@link #refreshThroughHook} for one subscription: the sub_refresh hook; expired → unsubscribe 2501. */
  private void subRefreshThroughHook(String ch, SubToken t) {
    dev.tributary.hooks.Hook h = dev.tributary.hooks.Hook.SUB_REFRESH;
    long gen = t.generation;
    conn.hooks.ask(h, conn.hooks.caller(h, ch), conn.hooks.request(true).put("channel", ch)).onComplete(ar -> {
      SubToken now = subs == null ? null : subs.get(ch);
      if (released || conn.isClosed() || now != t || t.generation != gen) {
        return;
      }
      JsonObject r = refreshed(ar, ch, gen);
      if (r == null) {
        return;
      }
      if (r.getValue("info") instanceof JsonObject info) {
        t.info = info;
      }
      t.expiresAt = r.getLong("expire_at", 0L);
      if (t.expiresAt > 0) {
        t.generation = ++subGenerations;
        schedule(ch, t.generation, t.expiresAt, 0);
      }
    });
  }

  /**
   * A refresh hook's answer: the result to apply, or null when handled here (expired: closed with
   * 3005 or unsubscribed with 2501; disconnect: closed; failure: asked again later).
   */
  private JsonObject refreshed(io.vertx.core.AsyncResult<dev.tributary.hooks.HookAnswer> ar, String ch, long gen) {
    if (ar.failed()) {
      owner.log.debug("refresh hook for {} failed: {}", conn.clientId(), ar.cause().getMessage());
      owner.expiries.add(owner.clock.epochMillis() + HOOK_RETRY_MILLIS, this, ch, gen);
      return null;
    }
    dev.tributary.hooks.HookAnswer a = ar.result();
    if (a instanceof dev.tributary.hooks.HookAnswer.Disconnect d) {
      conn.close(d.code(), d.reason());
      return null;
    }
    JsonObject r = a instanceof dev.tributary.hooks.HookAnswer.Allow allow ? allow.result() : null;
    long exp = r == null ? 0 : r.getLong("expire_at", 0L);
    if (r == null || Boolean.TRUE.equals(r.getValue("expired")) || exp > 0 && exp * 1000 <= owner.clock.epochMillis()) {
      if (ch == null) {
        conn.close(CloseCodes.CONNECTION_EXPIRED);
      } else {
        subExpired(ch);
      }
      return null;
    }
    return r;
  }

  /** The socket is gone. */
  void release() {
    released = true;
    subs = null;
  }
}
