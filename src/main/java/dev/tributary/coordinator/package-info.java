/**
 * The module coordinator: modules register and send prioritised updates ({@link
 * dev.tributary.coordinator.Priority}), which are debounced per (module, key) ({@link
 * dev.tributary.coordinator.Debouncer}) before they go on to the batch processor. The debounce
 * logic is a plain class with an injected clock, tested without a server; the verticle only wires
 * timers. Everything here runs on the coordinator verticle's event loop; nothing is thread-safe
 * unless it says so ({@code Priority} is immutable).
 */
package dev.tributary.coordinator;
