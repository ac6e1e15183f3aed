/**
 * The two-level cache interface ({@link dev.tributary.cache.TieredCache}); implementations in
 * {@code internal}. Thread-safe.
 */
package dev.tributary.cache;
