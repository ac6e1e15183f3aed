package dev.tributary.pusher;

import dev.tributary.config.PusherAppOptions;
import dev.tributary.gateway.GatewayVerticle;
import dev.tributary.hub.Hub;
import dev.tributary.metrics.MetricNames;
import dev.tributary.presence.PresenceStore;
import dev.tributary.support.BodyReader;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The Pusher HTTP API of each app, signed as Pusher signs it ({@code auth_key},
 * {@code auth_timestamp} within {@value #TIMESTAMP_WINDOW_SECONDS} s, {@code auth_version} 1.0,
 * {@code body_md5}, {@code auth_signature}): {@code POST /apps/{id}/events} and
 * {@code /batch_events}, {@code GET /apps/{id}/channels}, {@code /channels/{name}},
 * {@code /channels/{name}/users}, {@code POST /apps/{id}/users/{user}/terminate_connections}.
 * Errors are Pusher's: a status (400, 401, 403, 404, 413, 503) and a plain-text reason. Runs on
 * the accepting gateway instance's event loop and never blocks.
 */
final class PusherHttpApi {
  static final long TIMESTAMP_WINDOW_SECONDS = 600;
  private static final Pattern SOCKET_ID = Pattern.compile("\\d{1,19}\\.\\d{1,19}");

  private final PusherEndpoint endpoint;
  private final Counter refused;

  PusherHttpApi(PusherEndpoint endpoint) {
    this.endpoint = endpoint;
    this.refused = Counter.builder(MetricNames.PUSHER_API_REFUSED)
        .description("Pusher HTTP API requests answered 4xx/5xx").register(endpoint.gateway.registry());
  }

  void mount(Router router) {
    BodyReader bodies = new BodyReader(() -> endpoint.gateway.options().getHttp().getMaxBodyBytes());
    router.route("/apps/:appId/*").handler(rc -> {
      if (rc.request().method() == io.vertx.core.http.HttpMethod.POST) {
        bodies.handle(rc);
      } else {
        rc.next();
      }
    });
    router.route("/apps/:appId/*").handler(this::authenticate);
    router.post("/apps/:appId/events").handler(this::events);
    router.post("/apps/:appId/batch_events").handler(this::batchEvents);
    router.get("/apps/:appId/channels").handler(this::channels);
    router.get("/apps/:appId/channels/:channel").handler(this::channel);
    router.get("/apps/:appId/channels/:channel/users").handler(this::users);
    router.post("/apps/:appId/users/:userId/terminate_connections").handler(this::terminate);
  }

  private void fail(RoutingContext rc, int status, String message) {
    refused.increment();
    rc.response().setStatusCode(status).putHeader("Content-Type", "text/plain; charset=utf-8").end(message + "\n");
  }

  private static void ok(RoutingContext rc, JsonObject body) {
    rc.response().putHeader("Content-Type", "application/json").end(body.encode());
  }

  private PusherAppOptions app(RoutingContext rc) {
    return rc.get("pusherApp");
  }

  /** Checks the request's signature; the app goes into the context. */
  private void authenticate(RoutingContext rc) {
    PusherAppOptions app = endpoint.appById(rc.pathParam("appId"));
    if (app == null) {
      fail(rc, 404, "Unknown app id");
      return;
    }
    Map<String, String> params = new HashMap<>();
    for (Map.Entry<String, String> e : rc.queryParams()) {
      if (params.putIfAbsent(e.getKey(), e.getValue()) != null) {
        fail(rc, 400, "Duplicate query parameter " + e.getKey());
        return;
      }
    }
    String key = params.get("auth_key");
    if (key == null || params.get("auth_signature") == null || params.get("auth_timestamp") == null) {
      fail(rc, 401, "Missing auth_key, auth_timestamp or auth_signature");
      return;
    }
    if (!key.equals(app.getKey())) {
      fail(rc, 401, "Unknown auth_key for this app");
      return;
    }
    if (!"1.0".equals(params.get("auth_version"))) {
      fail(rc, 401, "auth_version must be 1.0");
      return;
    }
    long ts;
    try {
      ts = Long.parseLong(params.get("auth_timestamp"));
    } catch (NumberFormatException e) {
      fail(rc, 401, "auth_timestamp must be seconds since the epoch");
      return;
    }
    long now = endpoint.gateway.clock().epochMillis() / 1000;
    if (Math.abs(now - ts) > TIMESTAMP_WINDOW_SECONDS) {
      fail(rc, 401, "Timestamp expired: given timestamp (" + ts + ") not within " + TIMESTAMP_WINDOW_SECONDS
          + "s of server time (" + now + ")");
      return;
    }
    Buffer body = rc.request().method() == io.vertx.core.http.HttpMethod.POST ? BodyReader.body(rc) : null;
    if (body != null && body.length() > 0) {
      String md5 = PusherSignatures.md5(body.getBytes());
      if (!md5.equals(params.get("body_md5"))) {
        fail(rc, 401, "Invalid body_md5: the MD5 of the body does not match");
        return;
      }
    }
    String toSign = PusherSignatures.requestToSign(rc.request().method().name(), rc.request().path(), params);
    if (!PusherSignatures.equal(PusherSignatures.hmac(app.getSecret(), toSign), params.get("auth_signature"))) {
      fail(rc, 401, "Invalid signature: you should have sent HmacSHA256Hex(\""
          + toSign.replace("\n", "\\n") + "\", your_secret_key)");
      return;
    }
    rc.put("pusherApp", app);
    rc.next();
  }

  private JsonObject json(RoutingContext rc) {
    Buffer b = BodyReader.body(rc);
    try {
      if (Json.decodeValue(b) instanceof JsonObject o) {
        return o;
      }
    } catch (DecodeException | IllegalArgumentException e) {
      // answered below
    }
    fail(rc, 400, "Invalid JSON: the body must be a JSON object");
    return null;
  }

  /** One event to publish: name, data, channels, the socket to leave out. */
  private record Event(String name, String data, List<String> channels, String socketId) {}

  /** The event in {@code o}, or null after answering the error. */
  private Event event(RoutingContext rc, PusherAppOptions app, JsonObject o, boolean batch) {
    if (!PusherCodec.validEvent(o.getValue("name"))) {
      fail(rc, 400, "Invalid or missing event name (1-200 characters)");
      return null;
    }
    Object d = o.getValue("data");
    if (d == null) {
      fail(rc, 400, "Missing data");
      return null;
    }
    String data = d instanceof String s ? s : Json.encode(d);
    if (dev.tributary.protocol.ProtocolCodec.utf8Length(data) > app.getMaxEventBytes()) {
      fail(rc, 413, "Payload too large: event data over " + app.getMaxEventBytes() + " bytes");
      return null;
    }
    List<String> channels = new ArrayList<>();
    Object one = o.getValue("channel");
    Object many = o.getValue("channels");
    if (batch || one != null) {
      channels.add(one instanceof String s ? s : null);
    } else if (many instanceof JsonArray arr) {
      if (arr.size() > app.getMaxChannelsPerEvent()) {
        fail(rc, 400, "Too many channels: at most " + app.getMaxChannelsPerEvent() + " per event");
        return null;
      }
      for (Object c : arr) {
        channels.add(c instanceof String s ? s : null);
      }
    }
    if (channels.isEmpty()) {
      fail(rc, 400, "Missing channels (or channel)");
      return null;
    }
    for (String c : channels) {
      if (!PusherCodec.validChannel(c)) {
        fail(rc, 400, "Invalid channel name " + (c == null ? "null" : Json.encode(c.length() > 64 ? c.substring(0, 64) : c)));
        return null;
      }
    }
    Object sid = o.getValue("socket_id");
    if (sid != null && !(sid instanceof String s && SOCKET_ID.matcher(s).matches())) {
      fail(rc, 400, "Invalid socket_id");
      return null;
    }
    return new Event(o.getString("name"), data, new ArrayList<>(new LinkedHashSet<>(channels)), (String) sid);
  }

  private void events(RoutingContext rc) {
    JsonObject body = json(rc);
    if (body == null) {
      return;
    }
    PusherAppOptions app = app(rc);
    Event e = event(rc, app, body, false);
    if (e != null) {
      publish(rc, app, List.of(e));
    }
  }

  private void batchEvents(RoutingContext rc) {
    JsonObject body = json(rc);
    if (body == null) {
      return;
    }
    PusherAppOptions app = app(rc);
    if (!(body.getValue("batch") instanceof JsonArray arr)) {
      fail(rc, 400, "Missing batch (an array of events)");
      return;
    }
    if (arr.size() > app.getMaxBatchEvents()) {
      fail(rc, 400, "Batch too large: at most " + app.getMaxBatchEvents() + " events");
      return;
    }
    List<Event> events = new ArrayList<>();
    for (Object item : arr) {
      if (!(item instanceof JsonObject o)) {
        fail(rc, 400, "Each batch entry must be an object");
        return;
      }
      Event e = event(rc, app, o, true);
      if (e == null) {
        return;
      }
      events.add(e);
    }
    publish(rc, app, events);
  }

  /** Publishes every event to every channel; 200 {@code {}} once all were accepted. */
  private void publish(RoutingContext rc, PusherAppOptions app, List<Event> events) {
    List<Future<Hub.Published>> all = new ArrayList<>();
    for (Event e : events) {
      String data = PusherCodec.eventData(e.name(), e.data());
      String info = e.socketId() == null ? null : PusherCodec.eventInfo(e.socketId(), "");
      for (String c : e.channels()) {
        all.add(endpoint.gateway.hub().publishExternal(PusherCodec.toTributary(app.getNamespace(), c), data, info));
      }
    }
    here(Future.join(all)).onComplete(ar -> {
      if (ar.succeeded()) {
        ok(rc, new JsonObject());
        return;
      }
      boolean tooLarge = ar.cause() instanceof Hub.PublishRefused r && !r.reason().temporary;
      if (tooLarge) {
        fail(rc, 413, "Payload too large: " + ar.cause().getMessage());
      } else {
        rc.response().putHeader("Retry-After", "1");
        fail(rc, 503, "Not published, try again: " + ar.cause().getMessage());
      }
    });
  }

  private static <T> Future<T> here(Future<T> f) {
    return f.isComplete() ? f : dev.tributary.redis.RedisLink.onContext(Vertx.currentContext(), f);
  }

  /** {@code info} as a set; null after answering 400 for an unknown attribute. */
  private Set<String> info(RoutingContext rc, Set<String> allowed) {
    String s = rc.request().getParam("info");
    Set<String> out = new LinkedHashSet<>();
    if (s == null || s.isEmpty()) {
      return out;
    }
    for (String a : s.split(",")) {
      if (!allowed.contains(a)) {
        fail(rc, 400, "Unknown info attribute " + Json.encode(a) + " (known: " + String.join(", ", allowed) + ")");
        return null;
      }
      out.add(a);
    }
    return out;
  }

  /** Subscribers per Tributary channel on this node, read on each instance's event loop. */
  private Future<Map<String, Integer>> localChannels() {
    List<Future<Map<String, Integer>>> parts = new ArrayList<>();
    for (GatewayVerticle g : endpoint.gateway.instances()) {
      parts.add(g.localChannels());
    }
    return here(Future.all(parts).map(cf -> {
      Map<String, Integer> sum = new TreeMap<>();
      for (int i = 0; i < cf.size(); i++) {
        Map<String, Integer> m = cf.resultAt(i);
        m.forEach((k, v) -> sum.merge(k, v, Integer::sum));
      }
      return sum;
    }));
  }

  private void channels(RoutingContext rc) {
    PusherAppOptions app = app(rc);
    Set<String> info = info(rc, Set.of("user_count"));
    if (info == null) {
      return;
    }
    String prefix = rc.request().getParam("filter_by_prefix", "");
    if (info.contains("user_count") && !prefix.startsWith("presence-")) {
      fail(rc, 400, "info=user_count needs filter_by_prefix=presence-");
      return;
    }
    String ns = app.getNamespace();
    localChannels().compose(local -> {
      List<String> names = new ArrayList<>();
      for (String ch : local.keySet()) {
        boolean ours = ns == null ? ch.indexOf(':') < 0 : ch.startsWith(ns + ":");
        String name = PusherCodec.toPusher(ch);
        if (ours && name.startsWith(prefix)) {
          names.add(name);
        }
      }
      List<Future<PresenceStore.Stats>> stats = new ArrayList<>();
      for (String n : names) {
        stats.add(info.contains("user_count")
            ? endpoint.gateway.presence().stats(PusherCodec.toTributary(ns, n))
            : Future.succeededFuture(null));
      }
      return Future.all(stats).map(cf -> {
        JsonObject out = new JsonObject();
        for (int i = 0; i < names.size(); i++) {
          JsonObject o = new JsonObject();
          PresenceStore.Stats s = cf.resultAt(i);
          if (s != null) {
            o.put("user_count", s.numUsers());
          }
          out.put(names.get(i), o);
        }
        return new JsonObject().put("channels", out);
      });
    }).onComplete(ar -> {
      if (ar.succeeded()) {
        ok(rc, ar.result());
      } else {
        fail(rc, 503, "Channels unavailable, try again: " + ar.cause().getMessage());
      }
    });
  }

  private String channelParam(RoutingContext rc) {
    String name = rc.pathParam("channel");
    if (!PusherCodec.validChannel(name)) {
      fail(rc, 400, "Invalid channel name");
      return null;
    }
    return name;
  }

  private void channel(RoutingContext rc) {
    PusherAppOptions app = app(rc);
    String name = channelParam(rc);
    if (name == null) {
      return;
    }
    Set<String> info = info(rc, Set.of("user_count", "subscription_count"));
    if (info == null) {
      return;
    }
    if (info.contains("user_count") && !PusherCodec.isPresence(name)) {
      fail(rc, 400, "info=user_count is for presence channels only");
      return;
    }
    String channel = PusherCodec.toTributary(app.getNamespace(), name);
    dev.tributary.broker.Broker broker = endpoint.gateway.hub().broker();
    Future<Boolean> occupied = broker == null
        ? Future.succeededFuture(endpoint.gateway.hub().hasLocalSubscribers(channel))
        : broker.withSubscribers(List.of(channel)).map(s -> s.contains(channel));
    Future<PresenceStore.Stats> users = info.contains("user_count")
        ? endpoint.gateway.presence().stats(channel) : Future.succeededFuture(null);
    Future<Map<String, Integer>> local = info.contains("subscription_count") ? localChannels() : Future.succeededFuture(Map.of());
    here(Future.all(occupied, users, local)).onComplete(ar -> {
      if (ar.failed()) {
        fail(rc, 503, "Channel state unavailable, try again: " + ar.cause().getMessage());
        return;
      }
      JsonObject out = new JsonObject().put("occupied", occupied.result());
      if (users.result() != null) {
        out.put("user_count", users.result().numUsers());
      }
      if (info.contains("subscription_count")) {
        out.put("subscription_count", local.result().getOrDefault(channel, 0));
      }
      ok(rc, out);
    });
  }

  private void users(RoutingContext rc) {
    PusherAppOptions app = app(rc);
    String name = channelParam(rc);
    if (name == null) {
      return;
    }
    if (!PusherCodec.isPresence(name)) {
      fail(rc, 400, "Users are listed for presence channels only");
      return;
    }
    here(endpoint.gateway.presence().presence(PusherCodec.toTributary(app.getNamespace(), name))).onComplete(ar -> {
      if (ar.failed()) {
        fail(rc, 503, "Presence unavailable, try again: " + ar.cause().getMessage());
        return;
      }
      Set<String> ids = new LinkedHashSet<>();
      for (PresenceStore.ClientInfo c : ar.result().values()) {
        ids.add(c.user());
      }
      JsonArray users = new JsonArray();
      ids.forEach(id -> users.add(new JsonObject().put("id", id)));
      ok(rc, new JsonObject().put("users", users));
    });
  }

  private void terminate(RoutingContext rc) {
    PusherAppOptions app = app(rc);
    String user = rc.pathParam("userId");
    if (user == null || user.isEmpty() || user.length() > 128) {
      fail(rc, 400, "Invalid user id");
      return;
    }
    endpoint.terminate(app.getId(), user);
    ok(rc, new JsonObject());
  }
}
