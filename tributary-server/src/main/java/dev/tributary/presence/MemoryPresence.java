package dev.tributary.presence;

import io.vertx.core.Future;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Presence of one node in memory: bounded by what it describes (one entry per subscription of a
 * presence-enabled channel), removed when the subscription or the connection ends. Thread-safe;
 * every future is already complete.
 */
public final class MemoryPresence implements PresenceStore {
  private final ConcurrentHashMap<String, ConcurrentHashMap<String, ClientInfo>> channels = new ConcurrentHashMap<>();

  @Override
  public Future<Void> add(String channel, ClientInfo info) {
    put(channel, info);
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> remove(String channel, String clientId) {
    delete(channel, clientId);
    return Future.succeededFuture();
  }

  @Override
  public Future<Map<String, ClientInfo>> presence(String channel) {
    return Future.succeededFuture(snapshot(channel));
  }

  public void put(String channel, ClientInfo info) {
    channels.computeIfAbsent(channel, c -> new ConcurrentHashMap<>()).put(info.client(), info);
  }

  /** Removes the entry; true if it was there. */
  public boolean delete(String channel, String clientId) {
    boolean[] removed = new boolean[1];
    channels.computeIfPresent(channel, (c, m) -> {
      removed[0] = m.remove(clientId) != null;
      return m.isEmpty() ? null : m;
    });
    return removed[0];
  }

  public ClientInfo get(String channel, String clientId) {
    Map<String, ClientInfo> m = channels.get(channel);
    return m == null ? null : m.get(clientId);
  }

  public boolean contains(String channel, String clientId) {
    Map<String, ClientInfo> m = channels.get(channel);
    return m != null && m.containsKey(clientId);
  }

  public Map<String, ClientInfo> snapshot(String channel) {
    Map<String, ClientInfo> m = channels.get(channel);
    return m == null ? Map.of() : Map.copyOf(m);
  }

  /** The live map of channels (for a walk over every entry; do not modify). */
  public Map<String, ConcurrentHashMap<String, ClientInfo>> channels() {
    return channels;
  }

  /** Entries held, over all channels. */
  public int size() {
    int n = 0;
    for (Map<String, ClientInfo> m : channels.values()) {
      n += m.size();
    }
    return n;
  }
}
