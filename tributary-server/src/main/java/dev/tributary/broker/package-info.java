/** Fan-out between nodes: the {@link dev.tributary.broker.Broker} interface; Redis pub/sub in {@code internal}. Thread-safe. */
package dev.tributary.broker;
