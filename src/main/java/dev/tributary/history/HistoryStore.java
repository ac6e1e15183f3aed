package dev.tributary.history;

import io.vertx.core.Future;
import java.util.List;

/**
 * Per-channel publication history: every publication of a channel with history gets the next
 * offset of the channel's stream; a stream has an epoch that changes when it is lost (a restart,
 * an eviction, an expiry), so a client position from another epoch cannot be mistaken for this
 * one's. One node keeps it in memory ({@link MemoryHistory}, futures complete at once); several
 * nodes share it in Redis ({@code broker.internal.RedisHistory}). Thread-safe; a future may
 * complete on another thread than the caller's.
 */
public interface HistoryStore {

  /** One stored publication. {@code dataJson} and {@code infoJson} (may be null) are JSON text. */
  record Entry(long offset, String dataJson, String infoJson, long timeMillis) {}

  /** The stream's position: its epoch and its last offset (0 = empty). */
  record Position(String epoch, long offset) {}

  /** What a recovery found: the missed entries, and whether they are all there. */
  record Recovery(List<Entry> entries, boolean recovered, Position position) {}

  /** What a history read found: entries and the stream's position. */
  record Page(List<Entry> entries, Position position) {}

  /** Appends a publication; returns its offset (and the epoch it belongs to). */
  Future<Position> append(String channel, String dataJson, String infoJson, int maxSize, long ttlMillis);

  /** The stream's position (creating an empty stream, with its epoch, if there is none). */
  Future<Position> position(String channel);

  /**
   * The entries after {@code offset} in {@code epoch}; {@code recovered} is false when the epoch
   * differs or entries after {@code offset} were already dropped (too old or too many).
   */
  Future<Recovery> since(String channel, long offset, String epoch, int maxEntries);

  /**
   * Up to {@code limit} entries (newest first when {@code reverse}) after {@code sinceOffset}, and
   * the position read with them.
   */
  Future<Page> history(String channel, int limit, long sinceOffset, boolean reverse);

  /** True when every future completes before the method returns (one node, in memory). */
  default boolean isImmediate() {
    return false;
  }
}
