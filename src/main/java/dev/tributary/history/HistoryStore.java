package dev.tributary.history;

import java.util.List;

/**
 * Per-channel publication history: every publication of a channel with history gets the next
 * offset of the channel's stream; a stream has an epoch that changes when it is lost (a restart,
 * an eviction), so a client position from another epoch cannot be mistaken for this one's.
 * Thread-safe.
 */
public interface HistoryStore {

  /** One stored publication. {@code dataJson} and {@code infoJson} (may be null) are JSON text. */
  record Entry(long offset, String dataJson, String infoJson, long timeMillis) {}

  /** The stream's position: its epoch and its last offset (0 = empty). */
  record Position(String epoch, long offset) {}

  /** What a recovery found: the missed entries, and whether they are all there. */
  record Recovery(List<Entry> entries, boolean recovered, Position position) {}

  /** Appends a publication; returns its offset (and the epoch it belongs to). */
  Position append(String channel, String dataJson, String infoJson, int maxSize, long ttlMillis);

  /** The stream's position (creating an empty stream if there is none). */
  Position position(String channel);

  /**
   * The entries after {@code offset} in {@code epoch}; {@code recovered} is false when the epoch
   * differs or entries after {@code offset} were already dropped (too old or too many).
   */
  Recovery since(String channel, long offset, String epoch, int maxEntries);

  /** Up to {@code limit} entries (newest first when {@code reverse}), optionally after {@code sinceOffset}. */
  List<Entry> history(String channel, int limit, long sinceOffset, boolean reverse);
}
