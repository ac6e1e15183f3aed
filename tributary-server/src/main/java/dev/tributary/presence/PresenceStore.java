package dev.tributary.presence;

import io.vertx.core.Future;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Who is subscribed to a channel, per namespace by config ({@code presence}). One node: in memory
 * ({@link MemoryPresence}); several nodes: in Redis ({@link RedisPresence}), where the entries of a
 * node that dies expire. Thread-safe; every method may be called from any thread.
 *
 * <p>Asynchronous: a store backed by Redis answers later and may fail (Redis down), with a
 * failed future, never by hanging (commands have a timeout). Futures complete on the caller's
 * Vert.x context when the caller runs on one.
 */
public interface PresenceStore {

  /**
   * One client in a channel: its client id, user id and channel info ({@code chan_info}: the
   * {@code info} claim of its subscription token; null = none).
   */
  record ClientInfo(String client, String user, io.vertx.core.json.JsonObject chanInfo) {
    public ClientInfo(String client, String user) {
      this(client, user, null);
    }

    /** Centrifugo's ClientInfo JSON: {@code {"client","user"[,"chan_info"]}}. */
    public io.vertx.core.json.JsonObject toJson() {
      io.vertx.core.json.JsonObject j = new io.vertx.core.json.JsonObject().put("client", client).put("user", user);
      return chanInfo == null ? j : j.put("chan_info", chanInfo);
    }
  }

  /** Number of clients and of distinct users in a channel. */
  record Stats(int numClients, int numUsers) {
    /** The stats of a presence answer. */
    public static Stats of(Map<String, ClientInfo> presence) {
      Set<String> users = new HashSet<>();
      for (ClientInfo i : presence.values()) {
        users.add(i.user());
      }
      return new Stats(presence.size(), users.size());
    }
  }

  /** Adds (or refreshes) one client of a channel. */
  Future<Void> add(String channel, ClientInfo info);

  /** Removes one client of a channel; removing an absent one succeeds. */
  Future<Void> remove(String channel, String clientId);

  /** Clients by client id. */
  Future<Map<String, ClientInfo>> presence(String channel);

  /** Number of clients and of distinct users. */
  default Future<Stats> stats(String channel) {
    return presence(channel).map(Stats::of);
  }

  /** Stops background work (refresh timers). Entries are left as they are. */
  default Future<Void> close() {
    return Future.succeededFuture();
  }
}
