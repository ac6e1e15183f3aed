package dev.tributary.hooks;

import dev.tributary.bus.Addresses;
import dev.tributary.config.HookOptions;
import dev.tributary.config.HooksOptions;
import dev.tributary.config.NamespaceOptions;
import dev.tributary.config.TributaryOptions;
import dev.tributary.metrics.MetricNames;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's hooks, built from {@code hooks.*} and {@code channels.namespaces.*.hooks} at start:
 * which {@link HookCaller} answers each hook (per namespace for the channel hooks), one shared
 * HTTP client for the HTTP ones, the forwarded-header allow-list, and the outcome counters
 * ({@code tributary.hooks.calls{hook,outcome}}). A failing hook is logged at most once per 10 s
 * (the count since the last line, the latest reason, no stack trace). Thread-safe.
 */
public final class Hooks {
  private static final Logger log = LoggerFactory.getLogger(Hooks.class);
  private static final long LOG_EVERY_MILLIS = 10_000;

  private final EnumMap<Hook, HookCaller> global = new EnumMap<>(Hook.class);
  /** namespace -> its channel hooks (own or the global one). */
  private final Map<String, EnumMap<Hook, HookCaller>> namespaces = new HashMap<>();
  private final List<String> headers;
  private final HttpClient http;
  private final MeterRegistry registry;
  private final Map<String, Counter> counters = new ConcurrentHashMap<>();
  private final AtomicLong lastLog = new AtomicLong(Long.MIN_VALUE / 2);
  private final AtomicLong failuresSinceLog = new AtomicLong();

  public Hooks(Vertx vertx, TributaryOptions options, MeterRegistry registry) {
    this.registry = registry;
    HooksOptions g = options.getHooks();
    boolean anyHttp = g.anyHttp() || options.getChannels().getNamespaces().values().stream()
        .anyMatch(ns -> ns.getHooks().anyHttp());
    http = anyHttp ? vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true),
        new PoolOptions().setHttp1MaxSize(64)) : null;
    headers = anyHttp ? g.getHttpHeaders().stream().map(h -> h.toLowerCase(Locale.ROOT)).toList() : List.of();
    for (Hook h : Hook.values()) {
      HookOptions o = g.get(h.configKey);
      if (o != null) {
        global.put(h, caller(vertx, h, null, o, g.getMaxResponseBytes()));
      }
    }
    for (Map.Entry<String, NamespaceOptions> e : options.getChannels().getNamespaces().entrySet()) {
      EnumMap<Hook, HookCaller> own = new EnumMap<>(Hook.class);
      for (Hook h : Hook.values()) {
        if (!h.perChannel) {
          continue;
        }
        HookOptions o = e.getValue().getHooks().get(h.configKey);
        if (o == null) {
          o = g.get(h.configKey);
        }
        if (o != null) {
          own.put(h, caller(vertx, h, e.getKey(), o, g.getMaxResponseBytes()));
        }
      }
      namespaces.put(e.getKey(), own);
    }
  }

  private HookCaller caller(Vertx vertx, Hook h, String namespace, HookOptions o, int maxResponseBytes) {
    return o.isModule()
        ? new BusHookCaller(vertx, Addresses.hook(h.wireName, namespace), o.getTimeoutMillis())
        : new HttpHookCaller(vertx, http, o.getUrl(), o.getTimeoutMillis(), maxResponseBytes);
  }

  /** The connection hook {@code h} (connect, refresh, rpc), or null when not configured. */
  public HookCaller connection(Hook h) {
    return global.get(h);
  }

  /** The channel hook {@code h} of {@code channel} (a valid, known channel), or null when not configured. */
  public HookCaller channel(Hook h, String channel) {
    int colon = channel.indexOf(':');
    if (colon < 0) {
      return global.get(h);
    }
    EnumMap<Hook, HookCaller> ns = namespaces.get(channel.substring(0, colon));
    return ns == null ? null : ns.get(h);
  }

  /**
   * The client's upgrade headers that HTTP hooks forward (the allow-list), or null when no hook
   * is an HTTP one (nothing is kept then).
   */
  public MultiMap forwarded(MultiMap upgradeHeaders) {
    if (headers.isEmpty()) {
      return null;
    }
    MultiMap kept = MultiMap.caseInsensitiveMultiMap();
    for (String name : headers) {
      List<String> values = upgradeHeaders.getAll(name);
      if (!values.isEmpty()) {
        kept.add(name, values);
      }
    }
    return kept;
  }

  /**
   * Asks {@code caller} for hook {@code h}: the answer, or a {@link HookFailure}; every outcome is
   * counted ({@code allow}, {@code deny}, {@code disconnect}, or the failure's reason).
   */
  public Future<HookAnswer> call(Hook h, HookCaller caller, JsonObject request, MultiMap forwarded) {
    Future<HookAnswer> f;
    try {
      f = caller.call(request, forwarded).compose(a -> {
        if (a instanceof HookAnswer.Allow allow) {
          h.checkResult(allow.result());
        }
        return Future.succeededFuture(a);
      });
    } catch (RuntimeException e) {
      f = Future.failedFuture(new HookFailure(HookFailure.ERROR, e.toString()));
    }
    return f.andThen(ar -> {
      if (ar.succeeded()) {
        HookAnswer a = ar.result();
        count(h, a instanceof HookAnswer.Allow ? "allow" : a instanceof HookAnswer.Deny ? "deny" : "disconnect");
      } else {
        String reason = ar.cause() instanceof HookFailure hf ? hf.reason() : HookFailure.ERROR;
        count(h, reason);
        failed(h, caller, ar.cause());
      }
    });
  }

  private void count(Hook h, String outcome) {
    counters.computeIfAbsent(h.wireName + "/" + outcome, k -> Counter.builder(MetricNames.HOOK_CALLS)
        .tag("hook", h.wireName).tag("outcome", outcome)
        .description("hook calls by hook and outcome (allow, deny, disconnect, or the failure)").register(registry))
        .increment();
  }

  private void failed(Hook h, HookCaller caller, Throwable cause) {
    long n = failuresSinceLog.incrementAndGet();
    long now = System.nanoTime() / 1_000_000;
    long last = lastLog.get();
    if (now - last >= LOG_EVERY_MILLIS && lastLog.compareAndSet(last, now)) {
      failuresSinceLog.addAndGet(-n);
      log.warn("{} hook failure(s) in the last period, clients answered error 100; latest: {} hook ({}): {}",
          n, h.wireName, caller.describe(), cause.getMessage());
    }
  }

  /** Closes the HTTP client. */
  public Future<Void> close() {
    return http == null ? Future.succeededFuture() : http.close();
  }
}
