package dev.tributary.coordinator;

/**
 * The run-time switches the coordinator reads for each update (flipped by operators at run time;
 * {@code ops.Toggles} is the server's implementation). Owned here so that the coordinator does
 * not depend on the operations layer above it. Implementations are thread-safe and cheap to read.
 */
public interface Switches {
  /** Updates go through the batch processor when the mode batches. */
  boolean batching();

  /** Updates are debounced; off = each update is published at once. */
  boolean debouncing();

  /** Coordinated state is cached and served to new subscribers. */
  boolean coordinationCache();
}
