package dev.tributary.history;

import io.vertx.core.Future;
import java.util.List;

/**
 * Per-channel publication history: every publication of a channel with history gets the next
 * offset of the channel's stream; a stream has an epoch that changes when it is lost (a restart,
 * an eviction, an expiry), so a client position from another epoch cannot be mistaken for this
 * one's. One node keeps it in memory ({@link MemoryHistory}, futures complete at once); several
 * nodes share it in Redis ({@code redis.broker.RedisHistory}). Thread-safe; a future may
 * complete on another thread than the caller's.
 */
public interface HistoryStore {

  /** One stored publication. {@code dataJson} and {@code infoJson} (may be null) are JSON text. */
  record Entry(long offset, String dataJson, String infoJson, long timeMillis) {}

  /** The stream's position: its epoch and its last offset (0 = empty). */
  record Position(String epoch, long offset) {}

  /**
   * Bytes a publication takes at most in a reply ({@code {"data":D,"info":I,"offset":N}} and the
   * comma before it), besides its data and info: both stores count an entry as this plus the
   * UTF-8 bytes of its data and info ({@link #replyBytes}), so a byte budget cuts both alike.
   */
  int ENTRY_OVERHEAD_BYTES = 48;

  /** What an entry takes in a reply: {@link #ENTRY_OVERHEAD_BYTES} plus its data and info in UTF-8. */
  static long replyBytes(Entry e) {
    return ENTRY_OVERHEAD_BYTES + utf8Length(e.dataJson()) + (e.infoJson() == null ? 0 : utf8Length(e.infoJson()));
  }

  /** UTF-8 length of {@code s} without encoding it. */
  static long utf8Length(String s) {
    long n = s.length();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= 0x80) {
        if (c < 0x800) {
          n += 1;
        } else if (Character.isHighSurrogate(c)) {
          i++; // a pair: 2 chars, 4 bytes
          n += 2;
        } else {
          n += 2;
        }
      }
    }
    return n;
  }

  /**
   * What a recovery found: the missed entries, whether they are all there, and whether they were
   * left out because together they exceed the byte budget ({@code tooLarge}: then there are no
   * entries and {@code recovered} is false, all or nothing).
   */
  record Recovery(List<Entry> entries, boolean recovered, Position position, boolean tooLarge) {
    public Recovery(List<Entry> entries, boolean recovered, Position position) {
      this(entries, recovered, position, false);
    }
  }

  /**
   * What a history read found: entries and the stream's position; {@code truncated} when the byte
   * budget ended the page before the limit or the stream's end (no entries: not even the first fit).
   */
  record Page(List<Entry> entries, Position position, boolean truncated) {
    public Page(List<Entry> entries, Position position) {
      this(entries, position, false);
    }
  }

  /** Appends a publication; returns its offset (and the epoch it belongs to). */
  Future<Position> append(String channel, String dataJson, String infoJson, int maxSize, long ttlMillis);

  /** The stream's position (creating an empty stream, with its epoch, if there is none). */
  Future<Position> position(String channel);

  /**
   * Drops the channel's publications (the server API's {@code history_remove}); its epoch and top
   * offset stay, so the next publication continues the stream and a client's position stays valid
   * (its recovery then finds the publications gone: {@code recovered: false}).
   */
  Future<Void> remove(String channel);

  /** {@link #since(String, long, String, int, long)} without a byte budget. */
  default Future<Recovery> since(String channel, long offset, String epoch, int maxEntries) {
    return since(channel, offset, epoch, maxEntries, Long.MAX_VALUE);
  }

  /**
   * The entries after {@code offset} in {@code epoch}; {@code recovered} is false when the epoch
   * differs or entries after {@code offset} were already dropped (too old or too many). When the
   * entries to return take more than {@code maxBytes} ({@link #replyBytes}), none are returned and
   * the recovery is {@code tooLarge}: all or nothing.
   */
  Future<Recovery> since(String channel, long offset, String epoch, int maxEntries, long maxBytes);

  /** {@link #history(String, int, long, boolean, long)} without a byte budget. */
  default Future<Page> history(String channel, int limit, long sinceOffset, boolean reverse) {
    return history(channel, limit, sinceOffset, reverse, Long.MAX_VALUE);
  }

  /**
   * A page of history and the position read with it. At most {@code limit} entries ({@code <= 0}:
   * none, the position only); oldest first, those after {@code sinceOffset}; with {@code reverse},
   * newest first, those before {@code sinceOffset} ({@code 0}: from the newest). Entries are taken
   * in that order while their {@link #replyBytes} add up to at most {@code maxBytes}; the first
   * that does not fit ends the page ({@link Page#truncated}).
   */
  Future<Page> history(String channel, int limit, long sinceOffset, boolean reverse, long maxBytes);

  /** True when every future completes before the method returns (one node, in memory). */
  default boolean isImmediate() {
    return false;
  }
}
