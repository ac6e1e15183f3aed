package dev.tributary.bus;


/**
 * A coordinated (debounced) update on its way to subscribers.
 *
 * @param envelope the publication's data (JSON text), built once by the coordinator
 * @param firstOfferNanos arrival of the first update this one coalesces (for hold time)
 * @param dueNanos when the debouncer released it (for pipeline latency)
 */
public record CoordinatedUpdate(String moduleId, String key, String channel, Priority priority,
    String envelope, long firstOfferNanos, long dueNanos) {}
