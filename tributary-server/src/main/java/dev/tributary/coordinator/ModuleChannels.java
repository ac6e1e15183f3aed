package dev.tributary.coordinator;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The channels that registered modules publish to, shared by the coordinator (writer) and the
 * gateway instances (readers): a subscribe to one of these asks the coordinator for the current
 * state; any other subscribe costs nothing extra. Thread-safe.
 */
public final class ModuleChannels {
  private final Set<String> channels = ConcurrentHashMap.newKeySet();

  public boolean contains(String channel) {
    return channels.contains(channel);
  }

  void add(String channel) {
    channels.add(channel);
  }

  void remove(String channel) {
    channels.remove(channel);
  }
}
