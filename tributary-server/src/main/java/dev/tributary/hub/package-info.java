/**
 * The node-local channel index and fan-out ({@link dev.tributary.hub.Hub}). Thread-safe; the
 * delivery itself runs on each gateway instance's event loop.
 */
package dev.tributary.hub;
