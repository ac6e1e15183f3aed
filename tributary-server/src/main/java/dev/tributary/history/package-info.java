/**
 * Channel history for recovery on reconnect: offsets and epochs per channel
 * ({@link dev.tributary.history.HistoryStore}); one node's streams in memory
 * ({@link dev.tributary.history.MemoryHistory}). Thread-safe.
 */
package dev.tributary.history;
