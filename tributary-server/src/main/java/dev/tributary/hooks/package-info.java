/**
 * Hooks (Centrifugo's "proxy"): connect, refresh, subscribe, publish, sub_refresh and rpc
 * decisions asked of a module over the event bus or of an HTTP backend, behind one contract
 * (Centrifugo's proxy request and response JSON). {@link dev.tributary.hooks.Hooks} is node-wide and
 * thread-safe; calls are made from a connection's event loop and their answers brought back there
 * by the gateway.
 */
package dev.tributary.hooks;
