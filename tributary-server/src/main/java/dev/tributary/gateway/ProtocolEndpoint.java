package dev.tributary.gateway;

/**
 * A client protocol besides Centrifugo's, plugged into the gateway before its instances start
 * ({@link Gateway#addProtocol}): the WebSocket paths it serves, the connection it builds on the
 * owned socket, and its HTTP routes. Its connections use the core's socket, writer, queue bound,
 * heartbeat wheel, channel index and shutdown like the native ones. Thread-safe: called from
 * every gateway instance's event loop.
 */
public interface ProtocolEndpoint {
  /** Short name, the {@code protocol} tag of the per-protocol metrics. */
  String name();

  /** Whether a WebSocket upgrade to {@code path} is for this protocol. */
  boolean servesPath(String path);

  /** The connection of an accepted upgrade, on the accepting instance's event loop. */
  ClientConnection open(ClientConnection.Upgrade up);

  /** Adds this protocol's HTTP routes to the instance's router (after the server API's). */
  default void routes(io.vertx.ext.web.Router router) {}
}
