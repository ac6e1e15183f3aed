/**
 * The WebSocket gateway: {@link dev.tributary.gateway.GatewayVerticle} (one per event loop),
 * {@link dev.tributary.gateway.Connection} (per-client state, owned by that event loop) with its
 * {@link dev.tributary.gateway.Subscriptions} (its channels and their sync with history) and
 * {@link dev.tributary.gateway.ChannelCommands} (publish, history, presence), same event loop, the
 * heartbeat wheel, the per-connection rate limiter and close codes. Nothing here
 * blocks; nothing here is touched from another thread except {@link dev.tributary.gateway.Gateway}'s
 * shared counters.
 */
package dev.tributary.gateway;
