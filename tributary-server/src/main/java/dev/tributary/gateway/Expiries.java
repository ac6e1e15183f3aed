package dev.tributary.gateway;

import java.util.PriorityQueue;

/**
 * Token expiry deadlines of one event loop's connections (connection tokens and subscription
 * tokens), with no timer per connection: a min-heap of {@code (deadline, member, channel,
 * generation)} that the owner advances from its one-second periodic timer with the {@link
 * dev.tributary.support.Clock}'s wall time, so a late timer catches up and tests use a fake clock.
 *
 * <p>Entries are never removed early: a refreshed or ended token bumps its generation at the
 * member, and the member ignores an entry whose generation is no longer current when it comes due.
 * Entries per member are bounded by its command rate (one per refresh).
 *
 * <p>Not thread-safe: owned by one event loop, like the connections it schedules.
 */
final class Expiries<M> {

  /** What comes due. */
  interface Listener<M> {
    /**
     * The deadline of {@code member}'s connection token ({@code channel} null) or of its
     * subscription to {@code channel} has passed; {@code generation} as given to {@link #add}.
     */
    void due(M member, String channel, long generation);
  }

  private record Entry<M>(long deadlineMillis, M member, String channel, long generation) {}

  private final PriorityQueue<Entry<M>> queue =
      new PriorityQueue<>((a, b) -> Long.compare(a.deadlineMillis, b.deadlineMillis));

  /** Schedules a check of {@code member} (and {@code channel}, or null) at {@code deadlineEpochMillis}. */
  void add(long deadlineEpochMillis, M member, String channel, long generation) {
    queue.add(new Entry<>(deadlineEpochMillis, member, channel, generation));
  }

  /** Calls {@code listener} for every entry due at {@code nowEpochMillis}, earliest first. */
  void advance(long nowEpochMillis, Listener<M> listener) {
    Entry<M> e;
    while ((e = queue.peek()) != null && e.deadlineMillis <= nowEpochMillis) {
      queue.poll();
      listener.due(e.member, e.channel, e.generation);
    }
  }

  int size() {
    return queue.size();
  }
}
