/**
 * Fan-out between nodes and channel history: the {@link dev.tributary.broker.Broker} interface,
 * {@link dev.tributary.broker.MemoryBroker} for one node; Redis pub/sub and streams in {@code
 * internal}. Thread-safe.
 */
package dev.tributary.broker;
