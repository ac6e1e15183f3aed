package dev.tributary.pusher;

import dev.tributary.config.PusherAppOptions;
import dev.tributary.gateway.ClientConnection;
import dev.tributary.gateway.Gateway;
import dev.tributary.gateway.ProtocolEndpoint;
import dev.tributary.metrics.MetricNames;
import io.micrometer.core.instrument.Counter;
import java.security.SecureRandom;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The Pusher protocol plugged into the gateway: WebSockets at {@code /app/{key}}, the HTTP API at
 * {@code /apps/{id}/...}. Shared by the gateway instances of a node; thread-safe. The apps are
 * read from the running config on each use, so a live reload's apps apply to new connections and
 * requests.
 */
public final class PusherEndpoint implements ProtocolEndpoint {
  public static final String NAME = "pusher";
  public static final String PATH_PREFIX = "/app/";

  final Gateway gateway;
  private final SecureRandom random = new SecureRandom();
  /** Open connections per app id on this node (for {@code maxConnections}). */
  private final Map<String, AtomicInteger> perApp = new ConcurrentHashMap<>();
  /** Connections per (app id, user id), for terminate_connections. */
  private final Map<String, Set<PusherConnection>> byUser = new ConcurrentHashMap<>();
  final Counter clientEvents;
  final Counter clientEventsRejected;
  final Counter authFailures;
  final Counter badMessages;

  /** Webhooks of this node's apps. */
  final PusherWebhooks webhooks;

  public PusherEndpoint(Gateway gateway, io.vertx.core.Vertx vertx) {
    this.gateway = gateway;
    this.webhooks = new PusherWebhooks(vertx, gateway);
    gateway.hub().addOccupancyListener(this::occupancy);
    clientEvents = Counter.builder(MetricNames.PUSHER_CLIENT_EVENTS).description("client events published").register(gateway.registry());
    clientEventsRejected = Counter.builder(MetricNames.PUSHER_CLIENT_EVENTS_REJECTED)
        .description("client events refused (not allowed, rate limit, size, not subscribed)").register(gateway.registry());
    authFailures = Counter.builder(MetricNames.PUSHER_AUTH_FAILURES)
        .description("subscriptions and sign-ins refused for a bad signature").register(gateway.registry());
    badMessages = Counter.builder(MetricNames.PUSHER_BAD_MESSAGES)
        .description("client messages answered with pusher:error 4300 (malformed, unknown event, bad fields)")
        .register(gateway.registry());
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public boolean servesPath(String path) {
    return path.startsWith(PATH_PREFIX);
  }

  @Override
  public ClientConnection open(ClientConnection.Upgrade up) {
    return new PusherConnection(this, up);
  }

  @Override
  public void routes(io.vertx.ext.web.Router router) {
    new PusherHttpApi(this).mount(router);
  }

  /**
   * A channel got its first / lost its last subscriber on this node: channel_occupied /
   * channel_vacated for the apps it belongs to (by namespace).
   */
  private void occupancy(String channel, boolean occupied) {
    String name = occupied ? "channel_occupied" : "channel_vacated";
    int colon = channel.indexOf(':');
    String ns = colon < 0 ? null : channel.substring(0, colon);
    for (PusherAppOptions a : gateway.options().getPusher().getApps()) {
      if (java.util.Objects.equals(a.getNamespace(), ns) && PusherWebhooks.wanted(a, name)) {
        webhooks.add(a, new io.vertx.core.json.JsonObject().put("name", name).put("channel", PusherCodec.toPusher(channel)));
      }
    }
  }

  /** The app with public key {@code key}, null if none. */
  PusherAppOptions appByKey(String key) {
    for (PusherAppOptions a : gateway.options().getPusher().getApps()) {
      if (a.getKey().equals(key)) {
        return a;
      }
    }
    return null;
  }

  /** The app with id {@code id}, null if none. */
  PusherAppOptions appById(String id) {
    for (PusherAppOptions a : gateway.options().getPusher().getApps()) {
      if (a.getId().equals(id)) {
        return a;
      }
    }
    return null;
  }

  /** A new socket id, {@code digits.digits} as Pusher's, unguessable. */
  String newSocketId() {
    return (random.nextInt(Integer.MAX_VALUE) + 1) + "." + (random.nextInt(Integer.MAX_VALUE) + 1);
  }

  /** Counts a connection of {@code app} in; false (not counted) when the app is at its limit. */
  boolean admit(PusherAppOptions app) {
    AtomicInteger n = perApp.computeIfAbsent(app.getId(), k -> new AtomicInteger());
    int max = app.getMaxConnections();
    if (max > 0 && n.incrementAndGet() > max) {
      n.decrementAndGet();
      return false;
    }
    if (max <= 0) {
      n.incrementAndGet();
    }
    return true;
  }

  void release(PusherAppOptions app) {
    AtomicInteger n = perApp.get(app.getId());
    if (n != null) {
      n.decrementAndGet();
    }
  }

  /** Open connections of app {@code appId} on this node. */
  public int connectionCount(String appId) {
    AtomicInteger n = perApp.get(appId);
    return n == null ? 0 : n.get();
  }

  void addUser(String appId, String user, PusherConnection c) {
    byUser.computeIfAbsent(appId + '\0' + user, k -> ConcurrentHashMap.newKeySet()).add(c);
  }

  void removeUser(String appId, String user, PusherConnection c) {
    byUser.computeIfPresent(appId + '\0' + user, (k, set) -> {
      set.remove(c);
      return set.isEmpty() ? null : set;
    });
  }

  /** Closes every connection of the user on this node (each on its own event loop); returns how many. */
  int terminate(String appId, String user) {
    Set<PusherConnection> set = byUser.get(appId + '\0' + user);
    if (set == null) {
      return 0;
    }
    int n = 0;
    for (PusherConnection c : set) {
      c.owner().context().runOnContext(v -> c.terminate());
      n++;
    }
    return n;
  }
}
