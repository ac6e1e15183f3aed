package dev.tributary.presence;

import java.util.Map;

/**
 * Who is subscribed to a channel, per namespace by config ({@code presence}). One node: in memory
 * ({@link MemoryPresence}); entries leave with their connection. Thread-safe.
 */
public interface PresenceStore {

  /** One client in a channel: its client id and user id. */
  record ClientInfo(String client, String user) {}

  void add(String channel, ClientInfo info);

  void remove(String channel, String clientId);

  /** Clients by client id. */
  Map<String, ClientInfo> presence(String channel);

  /** Number of clients and of distinct users. */
  default int[] stats(String channel) {
    Map<String, ClientInfo> p = presence(channel);
    return new int[] {p.size(), (int) p.values().stream().map(ClientInfo::user).distinct().count()};
  }
}
