/**
 * The batch processor: coordinated updates are collected for a short window or up to a size
 * ({@link dev.tributary.batch.BatchBuffer}), critical ones flushed at once, and leave ordered by
 * priority and time, grouped by module, for publication through the hub. The buffer is a plain
 * class with an injected clock, tested without a server; the verticle only wires timers.
 * Everything here runs on the batch processor verticle's event loop and is not thread-safe.
 */
package dev.tributary.batch;
