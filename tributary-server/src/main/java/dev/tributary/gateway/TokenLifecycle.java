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

  /** What a subscribe's token granted: its {@code exp} (0 = none) and {@code info} (null = none). */
  record SubGrant(long expiresAt, JsonObject info) {
    static final SubGrant NONE = new SubGrant(0, null);
  }

  private static final class SubToken {
    long expiresAt;
    JsonObject info;
    long generation;
  }

  private final Connection conn;
  private final GatewayVerticle owner;
  /** Connection token expiry, epoch seconds; 0 = none. */
  private long expiresAt;
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

  /** Connected with a token whose {@code exp} is {@code exp} (0 = none): the reply says so, expiry is scheduled. */
  void connected(long exp, JsonObject connectResult) {
    if (exp > 0) {
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

  /** Subscribed with {@code grant}: its expiry is scheduled; returns the result JSON with {@code expires}/{@code ttl}. */
  String subscribed(String ch, SubGrant grant, String resultJson) {
    if (grant.expiresAt() == 0 && grant.info() == null) {
      return resultJson;
    }
    SubToken t = new SubToken();
    t.info = grant.info();
    if (subs == null) {
      subs = new HashMap<>(4);
    }
    subs.put(ch, t);
    if (grant.expiresAt() == 0) {
      return resultJson;
    }
    t.expiresAt = grant.expiresAt();
    t.generation = ++subGenerations;
    schedule(ch, t.generation, t.expiresAt, owner.gateway.options.getAuth().getExpiredSubCloseDelaySeconds());
    String fields = "\"expires\":true,\"ttl\":" + ttl(t.expiresAt);
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
        conn.close(CloseCodes.CONNECTION_EXPIRED);
      }
      return;
    }
    SubToken t = subs == null ? null : subs.get(ch);
    if (t != null && t.generation == gen && t.expiresAt > 0) {
      subs.remove(ch);
      conn.subscriptions.end(ch, SUBSCRIPTION_EXPIRED, "subscription expired");
      conn.flush();
    }
  }

  /** The socket is gone. */
  void release() {
    released = true;
    subs = null;
  }
}
