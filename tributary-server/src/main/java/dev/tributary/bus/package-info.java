/**
 * The event-bus contract: every address ({@link dev.tributary.bus.Addresses}), the immutable
 * message records, and the local codec that passes them without copying. Any thread.
 */
package dev.tributary.bus;
