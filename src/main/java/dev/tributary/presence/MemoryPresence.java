package dev.tributary.presence;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Presence of one node in memory: bounded by what it describes (one entry per subscription of a
 * presence-enabled channel), removed when the subscription or the connection ends. Thread-safe.
 */
public final class MemoryPresence implements PresenceStore {
  private final ConcurrentHashMap<String, ConcurrentHashMap<String, ClientInfo>> channels = new ConcurrentHashMap<>();

  @Override
  public void add(String channel, ClientInfo info) {
    channels.computeIfAbsent(channel, c -> new ConcurrentHashMap<>()).put(info.client(), info);
  }

  @Override
  public void remove(String channel, String clientId) {
    channels.computeIfPresent(channel, (c, m) -> {
      m.remove(clientId);
      return m.isEmpty() ? null : m;
    });
  }

  @Override
  public Map<String, ClientInfo> presence(String channel) {
    Map<String, ClientInfo> m = channels.get(channel);
    return m == null ? Map.of() : Map.copyOf(m);
  }
}
