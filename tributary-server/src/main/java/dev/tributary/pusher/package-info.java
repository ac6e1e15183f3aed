/**
 * The Pusher Channels protocol 7 and HTTP API over the gateway's core: {@link
 * dev.tributary.pusher.PusherEndpoint} plugs WebSockets at {@code /app/{key}} and the HTTP API at
 * {@code /apps/{id}/...} into every gateway instance; {@link dev.tributary.pusher.PusherConnection}
 * is one client (on the event loop that accepted it); {@link dev.tributary.pusher.PusherCodec} maps
 * channels and encodes a publication's Pusher form once per node; {@link
 * dev.tributary.pusher.PusherHttpApi} answers the signed HTTP API on the accepting event loop.
 */
package dev.tributary.pusher;
