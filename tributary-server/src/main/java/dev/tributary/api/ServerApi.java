package dev.tributary.api;

import dev.tributary.control.ChannelPattern;
import dev.tributary.control.Idempotency;
import dev.tributary.control.NodeControl;
import dev.tributary.gateway.ConnectionControl;
import dev.tributary.gateway.Gateway;
import dev.tributary.protocol.ErrorCodes;
import dev.tributary.history.HistoryJson;
import dev.tributary.hub.Hub;
import dev.tributary.metrics.MetricNames;
import dev.tributary.ops.Ops;
import dev.tributary.presence.PresenceJson;
import dev.tributary.redis.RedisLink;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The methods of the server API, Centrifugo's (v5/v6 HTTP API shapes): each takes the params
 * object and answers with its result as JSON text, or fails with an {@link ApiError}. Used for
 * {@code POST /api/<method>}, each command of {@code POST /api/batch}, and each line of
 * {@code POST /api} (Centrifugo v4's {@code {"method","params"}} lines, as cent.js's
 * {@code pipeline} sends them).
 *
 * <p>Runs on the event loop of the request; futures complete on it.
 */
final class ServerApi {
  /** Most channels one broadcast may name. */
  static final int MAX_BROADCAST_CHANNELS = 10_000;
  /** Longest {@code idempotency_key}, characters. */
  static final int MAX_IDEMPOTENCY_KEY = 256;
  /** Longest disconnect reason, bytes of UTF-8 (a WebSocket close frame's limit). */
  static final int MAX_REASON_BYTES = 123;
  /** Centrifugo's {@code DisconnectForceNoReconnect}: the default of {@code disconnect}. */
  static final int FORCE_DISCONNECT_CODE = 3503;
  static final String FORCE_DISCONNECT_REASON = "force disconnect";

  /** Every method, in Centrifugo's names. */
  static final Set<String> METHODS = Set.of("publish", "broadcast", "subscribe", "unsubscribe", "disconnect", "refresh",
      "presence", "presence_stats", "history", "history_remove", "channels", "info", "batch");

  private static final Set<String> PUBLICATION_UNSUPPORTED = Set.of("delta", "version", "version_epoch");

  private final Gateway gateway;
  private final Ops ops;
  private final NodeControl control;
  private final Idempotency idempotency;
  private final Counter broadcastSkipped;
  private final Counter idempotentHits;

  ServerApi(Gateway gateway, Ops ops, NodeControl control, Idempotency idempotency) {
    this.gateway = gateway;
    this.ops = ops;
    this.control = control;
    this.idempotency = idempotency;
    this.broadcastSkipped = Counter.builder(MetricNames.BROADCAST_SKIPPED)
        .description("broadcast channels not published to: no subscriber anywhere, no history")
        .register(gateway.registry());
    this.idempotentHits = Counter.builder(MetricNames.API_IDEMPOTENT_HITS)
        .description("publications answered from the idempotency cache, not published again").register(gateway.registry());
  }

  /** One call: its result JSON, or an {@link ApiError}; completes on the caller's context. */
  Future<String> call(String method, Object params) {
    try {
      Future<String> f = switch (method) {
        case "publish" -> publish(params);
        case "broadcast" -> broadcast(params);
        case "subscribe" -> subscribe(params);
        case "unsubscribe" -> unsubscribe(params);
        case "disconnect" -> disconnect(params);
        case "refresh" -> refresh(params);
        case "presence" -> presence(params, false);
        case "presence_stats" -> presence(params, true);
        case "history" -> history(params);
        case "history_remove" -> historyRemove(params);
        case "channels" -> channels(params);
        case "info" -> info(params);
        case "batch" -> batch(params);
        default -> throw new ApiError(404, ErrorCodes.METHOD_NOT_FOUND, "no such API method: " + method);
      };
      return here(f);
    } catch (ApiError e) {
      return Future.failedFuture(e);
    }
  }

  // ---- publications --------------------------------------------------------------------------

  /** What a publish or broadcast publishes: data, and how. */
  private record Publication(String dataJson, JsonObject tags, boolean skipHistory, String idempotencyKey) {}

  private Publication publication(Params p, String method) {
    String data;
    if (p.has("b64data")) {
      if (p.present("data")) {
        throw ApiError.badRequest("data and b64data of " + method + " are exclusive");
      }
      data = jsonOfBase64(p.string("b64data"));
    } else if (p.present("data")) {
      data = Json.encode(p.value("data"));
    } else {
      throw ApiError.badRequest("data required");
    }
    String key = p.string("idempotency_key");
    if (key != null && key.length() > MAX_IDEMPOTENCY_KEY) {
      throw ApiError.badRequest("idempotency_key longer than " + MAX_IDEMPOTENCY_KEY + " characters");
    }
    return new Publication(data, p.stringMap("tags"), p.bool("skip_history"), key == null || key.isEmpty() ? null : key);
  }

  /**
   * {@code b64data}: Tributary carries JSON payloads, so the decoded bytes must be UTF-8 JSON (they
   * are then published as that JSON value).
   */
  private static String jsonOfBase64(String b64) {
    byte[] bytes;
    try {
      bytes = Base64.getDecoder().decode(b64);
    } catch (IllegalArgumentException e) {
      throw ApiError.badRequest("b64data is not base64");
    }
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
      return Json.encode(Json.decodeValue(text));
    } catch (CharacterCodingException | DecodeException e) {
      throw ApiError.badRequest("b64data must decode to JSON (Tributary's publications are JSON)");
    }
  }

  /** 400 unless {@code ch} is a valid channel of a known namespace. */
  private String channel(Params p) {
    Object ch = p.value("channel");
    if (ch == null) {
      throw ApiError.badRequest("channel required");
    }
    int err = gateway.rules().check(ch);
    if (err != 0) {
      throw new ApiError(400, err, ErrorCodes.message(err) + ": " + ch);
    }
    return (String) ch;
  }

  private Future<String> publish(Object params) {
    Params p = Params.of("publish", params, Set.of("channel", "data", "b64data", "skip_history", "tags",
        "idempotency_key"), PUBLICATION_UNSUPPORTED);
    String ch = channel(p);
    Publication pub = publication(p, "publish");
    checkTags(ch, pub);
    return publishOne(ch, pub).recover(err -> Future.failedFuture(refusal(List.of(ch), err)));
  }

  /** Tags travel in the push only: history does not keep them, so a history publication must skip it. */
  private void checkTags(String ch, Publication pub) {
    if (pub.tags() != null && !pub.skipHistory() && gateway.rules().historySize(ch) > 0) {
      throw ApiError.badRequest("tags are not kept in history: publish to " + ch + " with skip_history, or without tags");
    }
  }

  /** One channel's publication, de-duplicated by its idempotency key: its result JSON. */
  private Future<String> publishOne(String ch, Publication pub) {
    if (pub.idempotencyKey() == null) {
      return publishNow(ch, pub);
    }
    return here(idempotency.claim(ch, pub.idempotencyKey())).recover(err ->
        Future.failedFuture(ApiError.unavailable("idempotency key not checked (redis unavailable): " + err.getMessage())))
        .compose(claim -> {
          if (claim.inProgress()) {
            return Future.failedFuture(ApiError.unavailable(
                "a publication with this idempotency_key is still in progress: retry"));
          }
          if (!claim.owned()) {
            idempotentHits.increment();
            return Future.succeededFuture(claim.resultJson());
          }
          return publishNow(ch, pub).transform(ar -> {
            if (ar.failed()) {
              idempotency.release(ch, pub.idempotencyKey());
              return Future.failedFuture(ar.cause());
            }
            // Answered once stored, so a retry from now on (on any node) gets this result.
            return here(idempotency.complete(ch, pub.idempotencyKey(), ar.result())).transform(stored -> {
              if (stored.failed()) {
                return Future.failedFuture(ApiError.unavailable("published, but its idempotency key was not stored "
                    + "(a retry would publish again): " + stored.cause().getMessage()));
              }
              return Future.succeededFuture(ar.result());
            });
          });
        });
  }

  private Future<String> publishNow(String ch, Publication pub) {
    return here(gateway.hub().publishExternal(ch, pub.dataJson(), pub.tags() == null ? null : pub.tags().encode(),
        pub.skipHistory())).map(this::publishResult);
  }

  private String publishResult(Hub.Published r) {
    JsonObject o = new JsonObject().put("id", ops.nextPublicationId());
    if (r.offset() > 0) {
      o.put("offset", r.offset()).put("epoch", r.epoch());
    }
    if (r.localOnly()) {
      o.put("local_only", true);
    }
    return o.encode();
  }

  /**
   * A refused publication: 413 with code 106 when too large (retrying cannot help); otherwise 503
   * with {@code Retry-After: 1} and code 100 (the broker is unavailable or did not confirm it, or
   * this node is shutting down: retry, here or on another node).
   */
  static ApiError refusal(List<String> channels, Throwable cause) {
    if (cause instanceof ApiError e) {
      return e;
    }
    String which = channels.size() == 1 ? channels.get(0) : channels.size() + " channel(s): " + String.join(", ",
        channels.subList(0, Math.min(10, channels.size()))) + (channels.size() > 10 ? ", …" : "");
    if (cause instanceof Hub.PublishRefused r && !r.reason().temporary) {
      return new ApiError(413, ErrorCodes.LIMIT_EXCEEDED, "publication refused for " + which + ": " + r.getMessage());
    }
    String reason = cause instanceof Hub.PublishRefused r ? r.reason().tag : "internal";
    return ApiError.unavailable("publication refused (" + reason + ") for " + which
        + (cause == null ? "" : ": " + cause.getMessage()));
  }

  private Future<String> broadcast(Object params) {
    Params p = Params.of("broadcast", params, Set.of("channels", "data", "b64data", "skip_history", "tags",
        "idempotency_key"), PUBLICATION_UNSUPPORTED);
    Object chs = p.value("channels");
    if (!(chs instanceof JsonArray arr) || arr.isEmpty()) {
      throw ApiError.badRequest("channels must be a non-empty array");
    }
    if (arr.size() > MAX_BROADCAST_CHANNELS) {
      throw new ApiError(400, ErrorCodes.LIMIT_EXCEEDED, "bad request: at most " + MAX_BROADCAST_CHANNELS + " channels");
    }
    Publication pub = publication(p, "broadcast");
    // Names checked, then published, in slices on this request's context, skipping channels nobody
    // subscribes to (see Broadcast).
    return Broadcast.run(Vertx.currentContext(), gateway.hub(), gateway.rules(), arr.getList(), pub.dataJson(), ch -> {
      try {
        checkTags(ch, pub);
      } catch (ApiError e) {
        return Future.failedFuture(e);
      }
      return publishOne(ch, pub);
    }, broadcastSkipped).transform(ar -> {
      if (ar.failed() && ar.cause() instanceof Broadcast.InvalidChannel bad) {
        return Future.failedFuture(new ApiError(400, bad.code, ErrorCodes.message(bad.code) + ": " + bad.channel));
      }
      if (ar.failed()) {
        return Future.failedFuture(new ApiError(500, ErrorCodes.INTERNAL, "broadcast failed: " + ar.cause().getMessage()));
      }
      Broadcast.Outcome o = ar.result();
      if (!o.refused().isEmpty()) {
        return Future.failedFuture(refusal(o.refused(), o.cause()));
      }
      StringBuilder sb = new StringBuilder(32 + 48 * o.results().size()).append("{\"responses\":[");
      for (int i = 0; i < o.results().size(); i++) {
        Future<String> r = o.results().get(i);
        sb.append(i == 0 ? "" : ",").append("{\"result\":").append(r == null ? "{}" : r.result()).append('}');
      }
      return Future.succeededFuture(sb.append("]}").toString());
    });
  }

  // ---- connections of a user -----------------------------------------------------------------

  private Future<String> send(ConnectionControl cmd) {
    return here(control.send(cmd)).transform(ar -> ar.succeeded() ? Future.succeededFuture("{}")
        : Future.failedFuture(ApiError.unavailable("not sent to the other nodes (redis unavailable), nothing done: "
            + ar.cause().getMessage())));
  }

  private Future<String> subscribe(Object params) {
    Params p = Params.of("subscribe", params, Set.of("user", "channel", "client", "data", "b64data"),
        Set.of("expire_at", "info", "b64info", "recover_since", "override", "session", "tags_filter", "tagsFilter"));
    String user = p.requiredString("user");
    String ch = channel(p);
    String data = p.has("b64data") ? jsonOfBase64(p.string("b64data")) : p.has("data") ? Json.encode(p.value("data")) : null;
    return send(ConnectionControl.subscribe(user, p.string("client"), ch, data));
  }

  private Future<String> unsubscribe(Object params) {
    Params p = Params.of("unsubscribe", params, Set.of("user", "channel", "client"), Set.of("session"));
    String user = p.requiredString("user");
    String ch = channel(p);
    return send(ConnectionControl.unsubscribe(user, p.string("client"), ch));
  }

  private Future<String> disconnect(Object params) {
    Params p = Params.of("disconnect", params, Set.of("user", "client", "whitelist", "disconnect"), Set.of("session"));
    String user = p.requiredString("user");
    List<String> whitelist = p.strings("whitelist");
    Params d = p.nested("disconnect", Set.of("code", "reason"));
    int code = FORCE_DISCONNECT_CODE;
    String reason = FORCE_DISCONNECT_REASON;
    if (d != null) {
      code = (int) d.integer("code", FORCE_DISCONNECT_CODE, 3000, 4999);
      String r = d.string("reason");
      reason = r == null ? "" : r;
      if (reason.getBytes(StandardCharsets.UTF_8).length > MAX_REASON_BYTES) {
        throw ApiError.badRequest("disconnect.reason longer than " + MAX_REASON_BYTES + " bytes");
      }
    }
    return send(ConnectionControl.disconnect(user, p.string("client"), code, reason, whitelist));
  }

  private Future<String> refresh(Object params) {
    Params p = Params.of("refresh", params, Set.of("user", "client", "expired", "expire_at"), Set.of("info", "session"));
    String user = p.requiredString("user");
    long expireAt = p.integer("expire_at", 0, 0, Long.MAX_VALUE / 1000);
    return send(ConnectionControl.refresh(user, p.string("client"), expireAt, p.bool("expired")));
  }

  // ---- channel state -------------------------------------------------------------------------

  private Future<String> presence(Object params, boolean stats) {
    Params p = Params.of(stats ? "presence_stats" : "presence", params, Set.of("channel"), Set.of());
    String ch = channel(p);
    if (!gateway.rules().presence(ch)) {
      throw new ApiError(400, ErrorCodes.NOT_AVAILABLE, "not available: no presence in this channel's namespace");
    }
    return here(PresenceJson.result(gateway.presence(), ch, stats)).transform(ar -> ar.succeeded()
        ? Future.succeededFuture(ar.result().encode())
        : Future.failedFuture(new ApiError(503, ErrorCodes.INTERNAL, "presence not available: " + ar.cause().getMessage())));
  }

  /** The channel's history store, or 400 with 108 when its namespace keeps none. */
  private dev.tributary.history.HistoryStore historyOf(String ch) {
    if (gateway.rules().historySize(ch) == 0) {
      throw new ApiError(400, ErrorCodes.NOT_AVAILABLE, "not available: no history in this channel's namespace");
    }
    return gateway.hub().history();
  }

  private Future<String> history(Object params) {
    Params p = Params.of("history", params, Set.of("channel", "limit", "since", "reverse"), Set.of());
    String ch = channel(p);
    dev.tributary.history.HistoryStore store = historyOf(ch);
    HistoryJson.Query query;
    try {
      query = HistoryJson.query((JsonObject) params, gateway.rules().historySize(ch));
    } catch (HistoryJson.BadRequest e) {
      throw ApiError.badRequest(e.getMessage());
    }
    long budget = historyReplyBudget();
    return here(HistoryJson.read(store, ch, query, budget)).transform(ar -> {
      if (ar.succeeded()) {
        try {
          return Future.succeededFuture(HistoryJson.encode(ch, ar.result(), budget));
        } catch (HistoryJson.TooLarge e) {
          return Future.failedFuture(new ApiError(400, ErrorCodes.LIMIT_EXCEEDED, e.getMessage()));
        }
      }
      if (ar.cause() instanceof HistoryJson.UnrecoverablePosition u) {
        return Future.failedFuture(new ApiError(400, ErrorCodes.UNRECOVERABLE_POSITION, u.getMessage()));
      }
      return Future.failedFuture(new ApiError(503, ErrorCodes.INTERNAL, "history unavailable: " + ar.cause().getMessage()));
    });
  }

  /**
   * Bytes of publications one history reply carries at most: twice {@code http.maxBodyBytes}, so
   * a publication the API accepted (its body within that bound) always fits, and a reply is never
   * built larger than that; callers page on with {@code since}.
   */
  private long historyReplyBudget() {
    return 2L * gateway.options().getHttp().getMaxBodyBytes();
  }

  private Future<String> historyRemove(Object params) {
    Params p = Params.of("history_remove", params, Set.of("channel"), Set.of());
    String ch = channel(p);
    return here(historyOf(ch).remove(ch)).transform(ar -> ar.succeeded() ? Future.succeededFuture("{}")
        : Future.failedFuture(new ApiError(503, ErrorCodes.INTERNAL, "history unavailable: " + ar.cause().getMessage())));
  }

  private Future<String> channels(Object params) {
    Params p = Params.of("channels", params, Set.of("pattern"), Set.of());
    String pattern = p.string("pattern");
    try {
      ChannelPattern.compile(pattern == null ? "" : pattern);
    } catch (IllegalArgumentException e) {
      throw ApiError.badRequest("pattern: " + e.getMessage());
    }
    return here(control.channels(pattern == null ? "" : pattern)).transform(ar -> {
      if (ar.failed()) {
        return Future.failedFuture(ApiError.unavailable("channels not answered by every node: " + ar.cause().getMessage()));
      }
      JsonObject out = new JsonObject();
      for (Map.Entry<String, Integer> e : ar.result().entrySet()) {
        out.put(e.getKey(), new JsonObject().put("num_clients", e.getValue()));
      }
      return Future.succeededFuture(new JsonObject().put("channels", out).encode());
    });
  }

  private Future<String> info(Object params) {
    Params.of("info", params, Set.of(), Set.of());
    return here(control.nodes()).map(nodes -> new JsonObject().put("nodes", nodes).encode());
  }

  // ---- batch ---------------------------------------------------------------------------------

  /**
   * {@code {"commands":[{"publish":{…}},…],"parallel":false}}: the commands run one after the
   * other in order (all at once with {@code parallel}); one reply each, in order,
   * {@code {"<method>":result}} or {@code {"error":{code,message}}}. A batch inside a batch is refused.
   */
  private Future<String> batch(Object params) {
    Params p = Params.of("batch", params, Set.of("commands", "parallel"), Set.of());
    Object cmds = p.value("commands");
    if (!(cmds instanceof JsonArray arr)) {
      throw ApiError.badRequest("commands must be an array");
    }
    boolean parallel = p.bool("parallel");
    List<Future<String>> replies = new ArrayList<>(arr.size());
    Future<?> previous = Future.succeededFuture();
    for (Object c : arr) {
      Future<String> reply;
      if (parallel) {
        reply = batchReply(c);
      } else {
        reply = previous.transform(ar -> batchReply(c));
      }
      replies.add(reply);
      previous = reply;
    }
    return Future.join(replies).transform(ar -> {
      StringBuilder sb = new StringBuilder("{\"replies\":[");
      for (int i = 0; i < replies.size(); i++) {
        sb.append(i == 0 ? "" : ",").append(replies.get(i).result());
      }
      return Future.succeededFuture(sb.append("]}").toString());
    });
  }

  /** One command of a batch, answered as its reply object (never failed). */
  private Future<String> batchReply(Object command) {
    if (!(command instanceof JsonObject c) || c.size() != 1) {
      return Future.succeededFuture(errorReply(ApiError.badRequest("a batch command is an object with one method")));
    }
    String method = c.fieldNames().iterator().next();
    if (method.equals("batch")) {
      return Future.succeededFuture(errorReply(ApiError.badRequest("batch inside batch")));
    }
    return call(method, c.getValue(method)).transform(ar -> Future.succeededFuture(ar.succeeded()
        ? "{" + Json.encode(method) + ":" + ar.result() + "}"
        : errorReply(ar.cause())));
  }

  /** {@code {"error":{"code","message"}}} of a failed call. */
  static String errorReply(Throwable err) {
    ApiError e = err instanceof ApiError a ? a : new ApiError(500, ErrorCodes.INTERNAL, "internal server error");
    return new JsonObject().put("error", e.json()).encode();
  }

  /** {@code f}, completing on the calling request's context (the response is written there). */
  static <T> Future<T> here(Future<T> f) {
    return f.isComplete() || Vertx.currentContext() == null ? f : RedisLink.onContext(Vertx.currentContext(), f);
  }
}
