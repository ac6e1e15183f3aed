package dev.tributary.pusher;

import dev.tributary.config.PusherAppOptions;
import dev.tributary.gateway.Gateway;
import dev.tributary.metrics.MetricNames;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pusher webhooks of this node: events queued per (app, URL), sent in batches of at most
 * {@value #MAX_BATCH} as Pusher sends them ({@code {"time_ms":T,"events":[...]}}, headers
 * {@code X-Pusher-Key} and {@code X-Pusher-Signature} = hex HMAC-SHA256 of the body with the app
 * secret), retried on failure (no answer within {@value #TIMEOUT_MILLIS} ms, or a status other
 * than 2xx) after 0.5, 1, 2, 4 s, then dropped and counted. Bounded: at most {@value #MAX_PENDING}
 * events wait per target; past it new events are dropped and counted. All state lives on one
 * Vert.x context; {@link #add} may be called from any thread.
 */
public final class PusherWebhooks {
  private static final Logger log = LoggerFactory.getLogger(PusherWebhooks.class);
  static final int MAX_BATCH = 50;
  static final int MAX_PENDING = 10_000;
  static final long BATCH_DELAY_MILLIS = 100;
  static final long TIMEOUT_MILLIS = 5000;
  static final int MAX_ATTEMPTS = 5;

  private final Vertx vertx;
  private final Context context;
  private final Gateway gateway;
  private HttpClient client;
  private final Map<String, Target> targets = new HashMap<>();
  private final Counter sent;
  private final Counter dropped;
  private final Counter retried;

  /** One app's URL: its queue and the batch in flight. */
  private final class Target {
    final PusherAppOptions app;
    final String url;
    final ArrayList<JsonObject> pending = new ArrayList<>();
    boolean inFlight;
    boolean scheduled;

    Target(PusherAppOptions app, String url) {
      this.app = app;
      this.url = url;
    }
  }

  public PusherWebhooks(Vertx vertx, Gateway gateway) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.gateway = gateway;
    sent = Counter.builder(MetricNames.PUSHER_WEBHOOKS_SENT).description("webhook events delivered (2xx)")
        .register(gateway.registry());
    dropped = Counter.builder(MetricNames.PUSHER_WEBHOOKS_DROPPED)
        .description("webhook events dropped: queue full, or every attempt failed").register(gateway.registry());
    retried = Counter.builder(MetricNames.PUSHER_WEBHOOKS_RETRIED).description("webhook requests retried")
        .register(gateway.registry());
  }

  /** Queues {@code event} (with its {@code name}) for every webhook of {@code app} that wants it. */
  void add(PusherAppOptions app, JsonObject event) {
    String name = event.getString("name");
    for (PusherAppOptions.Webhook w : app.getWebhooks()) {
      if (w.events().contains(name)) {
        context.runOnContext(v -> enqueue(app, w.url(), event));
      }
    }
  }

  /** Whether some webhook of {@code app} wants events called {@code name} (to skip building them). */
  static boolean wanted(PusherAppOptions app, String name) {
    for (PusherAppOptions.Webhook w : app.getWebhooks()) {
      if (w.events().contains(name)) {
        return true;
      }
    }
    return false;
  }

  private void enqueue(PusherAppOptions app, String url, JsonObject event) {
    Target t = targets.computeIfAbsent(app.getId() + ' ' + url, k -> new Target(app, url));
    if (t.pending.size() >= MAX_PENDING) {
      dropped.increment();
      return;
    }
    t.pending.add(event);
    if (!t.inFlight && !t.scheduled) {
      t.scheduled = true;
      vertx.setTimer(BATCH_DELAY_MILLIS, id -> {
        t.scheduled = false;
        sendNext(t);
      });
    }
  }

  private void sendNext(Target t) {
    if (t.inFlight || t.pending.isEmpty()) {
      return;
    }
    int n = Math.min(MAX_BATCH, t.pending.size());
    List<JsonObject> batch = new ArrayList<>(t.pending.subList(0, n));
    t.pending.subList(0, n).clear();
    t.inFlight = true;
    JsonArray events = new JsonArray();
    batch.forEach(events::add);
    String body = new JsonObject().put("time_ms", gateway.clock().epochMillis()).put("events", events).encode();
    attempt(t, body, batch.size(), 1);
  }

  private void attempt(Target t, String body, int count, int attempt) {
    if (client == null) {
      client = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout((int) TIMEOUT_MILLIS));
    }
    RequestOptions ro = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(t.url)
        .setIdleTimeout(TIMEOUT_MILLIS)
        .putHeader("Content-Type", "application/json")
        .putHeader("X-Pusher-Key", t.app.getKey())
        .putHeader("X-Pusher-Signature", PusherSignatures.hmac(t.app.getSecret(), body));
    client.request(ro).compose(req -> req.send(Buffer.buffer(body)))
        .compose(resp -> resp.body().map(b -> resp.statusCode()))
        .onComplete(ar -> {
          boolean ok = ar.succeeded() && ar.result() / 100 == 2;
          if (ok) {
            sent.increment(count);
            done(t);
          } else if (attempt >= MAX_ATTEMPTS) {
            dropped.increment(count);
            log.warn("webhook to {} failed {} times ({}): {} event(s) dropped", t.url, attempt,
                ar.succeeded() ? "status " + ar.result() : ar.cause().getMessage(), count);
            done(t);
          } else {
            retried.increment();
            vertx.setTimer(500L << (attempt - 1), id -> attempt(t, body, count, attempt + 1));
          }
        });
  }

  private void done(Target t) {
    t.inFlight = false;
    if (!t.pending.isEmpty()) {
      sendNext(t);
    }
  }

  /** Stops sending (at shutdown); what waits is dropped. */
  public void close() {
    context.runOnContext(v -> {
      if (client != null) {
        client.close();
      }
    });
  }
}
