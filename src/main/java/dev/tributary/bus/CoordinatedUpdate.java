package dev.tributary.bus;

import dev.tributary.coordinator.Priority;

/**
 * A coordinated (debounced) update on its way to subscribers.
 *
 * @param push the encoded publication push, built once by the coordinator
 * @param firstOfferNanos arrival of the first update this one coalesces (for hold time)
 * @param dueNanos when the debouncer released it (for pipeline latency)
 */
public record CoordinatedUpdate(String moduleId, String key, String channel, Priority priority,
    byte[] push, long firstOfferNanos, long dueNanos) {}
