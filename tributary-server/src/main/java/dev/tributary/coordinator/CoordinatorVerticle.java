package dev.tributary.coordinator;

import dev.tributary.bus.Addresses;
import dev.tributary.bus.CoordinatedUpdate;
import dev.tributary.bus.ModuleRegistration;
import dev.tributary.bus.ModuleUpdate;
import dev.tributary.bus.Priority;
import dev.tributary.cache.TieredCache;
import dev.tributary.channels.ChannelRules;
import dev.tributary.config.CoordinatorOptions;
import dev.tributary.protocol.ProtocolCodec;
import dev.tributary.hub.Hub;
import dev.tributary.metrics.MetricNames;
import dev.tributary.support.Clock;
import dev.tributary.support.DeadlineTimer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The module coordinator: modules register and send updates over the event bus; updates are
 * debounced per (module, key) (trailing edge, latest wins, {@link Mode}-dependent delays, a
 * max-wait bound); each release becomes one publication whose push is encoded once, stored as the
 * current state in the coordination cache (when the mode caches), and either published at once or
 * handed to the batch processor (when the mode batches).
 *
 * <p>One instance, on one event loop: all its state (registry, debouncer, one timer) is touched only
 * there. The pure {@link Debouncer} decides; this verticle only wires its single timer.
 */
public final class CoordinatorVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(CoordinatorVerticle.class);
  static final String DEFAULT_KEY = "default";

  /** A debounce key: one module's one state key. */
  record Key(String moduleId, String key) {}

  private static final class ModuleState {
    String channel;
    String defaultKey;
    long lastSeenMillis;
    final Set<String> keys = new HashSet<>();
    final Map<String, Long> seq = new HashMap<>();
  }

  private CoordinatorOptions options;
  private final Hub hub;
  private final TieredCache cache;
  private final ChannelRules rules;
  private final ModuleChannels moduleChannels;
  private final Clock clock;
  private final MeterRegistry registry;
  private final Switches switches;
  private final Map<String, ModuleState> modules = new HashMap<>();
  /** When each channel's state index was last written to the cache (monotonic ms). */
  private final Map<String, Long> indexWritten = new HashMap<>();
  private Debouncer<Key, ModuleUpdate> debouncer;
  private volatile Mode mode;
  private DeadlineTimer timer;
  private Timer latency;
  private Timer hold;
  private Counter rejected;
  private Counter dropped;

  public CoordinatorVerticle(CoordinatorOptions options, Hub hub, TieredCache cache, ChannelRules rules,
      ModuleChannels moduleChannels, Clock clock, MeterRegistry registry, Switches switches) {
    this.options = options;
    this.switches = switches;
    this.hub = hub;
    this.cache = cache;
    this.rules = rules;
    this.moduleChannels = moduleChannels;
    this.clock = clock;
    this.registry = registry;
  }

  @Override
  public Future<?> start() {
    debouncer = new Debouncer<>(clock);
    timer = new DeadlineTimer(vertx, clock, this::onDeadline);
    debouncer.setMaxWaitMillis(options.getMaxWaitMillis()).setCriticalBypass(options.isCriticalBypass());
    applyMode(Mode.parse(options.getMode()));
    latency = Timer.builder(MetricNames.COORDINATOR_LATENCY).publishPercentiles(0.5, 0.95, 0.99)
        .publishPercentileHistogram().register(registry);
    hold = Timer.builder(MetricNames.COORDINATOR_HOLD).publishPercentiles(0.5, 0.95, 0.99).register(registry);
    rejected = Counter.builder(MetricNames.COORDINATOR_UPDATES_IN).tag("outcome", "rejected").register(registry);
    dropped = Counter.builder(MetricNames.COORDINATOR_DROPPED).description("pending updates dropped with their module (unregister, inactivity)").register(registry);
    FunctionCounter.builder(MetricNames.COORDINATOR_UPDATES_IN, this, c -> c.debouncer.offered()).tag("outcome", "accepted").register(registry);
    FunctionCounter.builder(MetricNames.COORDINATOR_COALESCED, this, c -> c.debouncer.coalesced()).register(registry);
    FunctionCounter.builder(MetricNames.COORDINATOR_EMITTED, this, c -> c.debouncer.emitted()).register(registry);
    Gauge.builder(MetricNames.COORDINATOR_PENDING, this, c -> c.debouncer.pending()).register(registry);
    Gauge.builder(MetricNames.COORDINATOR_MODULES, this, c -> c.modules.size()).register(registry);
    var bus = vertx.eventBus();
    return Future.all(List.of(
        bus.<ModuleRegistration>consumer(Addresses.MODULE_REGISTER, this::onRegister).completion(),
        bus.<ModuleUpdate>consumer(Addresses.MODULE_UPDATE, m -> onUpdate(m.body())).completion(),
        bus.<String>consumer(Addresses.MODULE_HEARTBEAT, m -> touch(m.body())).completion(),
        bus.<String>consumer(Addresses.MODULE_UNREGISTER, this::onUnregister).completion(),
        bus.<String>consumer(Addresses.COORDINATOR_MODE, this::onMode).completion(),
        bus.<JsonObject>consumer(Addresses.COORDINATOR_CONFIGURE, this::onConfigure).completion(),
        bus.<Object>consumer(Addresses.COORDINATOR_STATUS, m -> m.reply(status())).completion(),
        bus.<String>consumer(Addresses.COORDINATOR_STATE, this::onState).completion(),
        bus.<Long>consumer(Addresses.COORDINATOR_SWEEP, m -> m.reply(sweep(m.body() == null ? 0 : m.body()))).completion()));
  }

  /**
   * Shutdown: pending debounced updates are published now, straight through the hub, so that
   * what was accepted reaches subscribers before they are closed.
   */
  @Override
  public Future<?> stop() {
    List<Debouncer.Entry<Key, ModuleUpdate>> rest = debouncer.drainAll();
    for (Debouncer.Entry<Key, ModuleUpdate> e : rest) {
      ModuleState s = modules.get(e.key().moduleId());
      if (s != null) {
        long seq = s.seq.merge(e.key().key(), 1L, Long::sum);
        hub.publish(s.channel, envelope(e.key(), e.value(), e.priority(), seq), null);
      }
    }
    if (!rest.isEmpty()) {
      log.info("coordinator stopping: published {} pending update(s)", rest.size());
    }
    return Future.succeededFuture();
  }

  // ---- registry ------------------------------------------------------------------------------

  private void onRegister(Message<ModuleRegistration> msg) {
    ModuleRegistration r = msg.body();
    if (r.moduleId() == null || r.moduleId().isBlank()) {
      msg.fail(400, "moduleId required");
      return;
    }
    int err = rules.check(r.channel());
    if (err != 0) {
      msg.fail(400, "invalid channel for module " + r.moduleId() + ": " + r.channel() + " (error " + err + ")");
      return;
    }
    ModuleState s = modules.computeIfAbsent(r.moduleId(), k -> new ModuleState());
    if (s.channel != null && !s.channel.equals(r.channel())) {
      releaseChannel(s.channel, r.moduleId());
    }
    s.channel = r.channel();
    s.defaultKey = r.key() == null || r.key().isBlank() ? DEFAULT_KEY : r.key();
    s.lastSeenMillis = clock.monotonicMillis();
    moduleChannels.add(s.channel);
    log.info("module {} registered on channel {}", r.moduleId(), r.channel());
    msg.reply("ok");
  }

  private void releaseChannel(String channel, String exceptModule) {
    for (Map.Entry<String, ModuleState> e : modules.entrySet()) {
      if (!e.getKey().equals(exceptModule) && channel.equals(e.getValue().channel)) {
        return;
      }
    }
    moduleChannels.remove(channel);
  }

  private void touch(String moduleId) {
    ModuleState s = modules.get(moduleId);
    if (s != null) {
      s.lastSeenMillis = clock.monotonicMillis();
    }
  }

  private void onUnregister(Message<String> msg) {
    boolean had = remove(msg.body(), "unregistered");
    msg.reply(had ? "ok" : "unknown");
  }

  /** Drops a module, its pending updates (counted) and its cached state. */
  private boolean remove(String moduleId, String why) {
    ModuleState s = modules.remove(moduleId);
    if (s == null) {
      return false;
    }
    int pendingDropped = 0;
    for (String key : s.keys) {
      if (debouncer.cancel(new Key(moduleId, key))) {
        pendingDropped++;
      }
      cache.invalidate(stateKey(s.channel, moduleId, key));
    }
    releaseChannel(s.channel, moduleId);
    indexWritten.remove(s.channel);
    if (pendingDropped > 0) {
      dropped.increment(pendingDropped);
    }
    log.info("module {} {} ({} pending update(s) dropped)", moduleId, why, pendingDropped);
    return true;
  }

  /** Unregisters modules inactive for longer than {@code thresholdMillis}. */
  private JsonObject sweep(long thresholdMillis) {
    long now = clock.monotonicMillis();
    List<String> inactive = new ArrayList<>();
    for (Map.Entry<String, ModuleState> e : modules.entrySet()) {
      if (now - e.getValue().lastSeenMillis > thresholdMillis) {
        inactive.add(e.getKey());
      }
    }
    for (String id : inactive) {
      remove(id, "inactive for more than " + thresholdMillis + " ms: unregistered");
    }
    return new JsonObject().put("modulesRemoved", inactive.size()).put("modulesActive", modules.size());
  }

  // ---- updates --------------------------------------------------------------------------------

  private void onUpdate(ModuleUpdate u) {
    ModuleState s = u.moduleId() == null ? null : modules.get(u.moduleId());
    if (s == null || u.priority() == null) {
      rejected.increment();
      log.debug("update from unregistered module {}", u.moduleId());
      return;
    }
    s.lastSeenMillis = clock.monotonicMillis();
    String key = u.key() == null ? s.defaultKey : u.key();
    if (s.keys.add(key)) {
      indexWritten.remove(s.channel);
    }
    Key k = new Key(u.moduleId(), key);
    if (!switches.debouncing()) {
      // Switched off: this update goes now; an older one still pending for the key is superseded.
      debouncer.cancel(k);
      emit(k, u, u.priority(), clock.monotonicMillis());
      return;
    }
    if (debouncer.offer(k, u, u.priority()).emitNow()) {
      emit(k, u, u.priority(), clock.monotonicMillis());
    } else {
      rearm();
    }
  }

  private void rearm() {
    timer.arm(debouncer.nextDeadlineMillis());
  }

  private void onDeadline() {
    for (Debouncer.Entry<Key, ModuleUpdate> e : debouncer.due()) {
      emit(e.key(), e.value(), e.priority(), e.firstOfferMillis());
    }
    rearm();
  }

  private void emit(Key k, ModuleUpdate u, Priority priority, long firstOfferMillis) {
    ModuleState s = modules.get(k.moduleId());
    if (s == null) {
      return;
    }
    long seq = s.seq.merge(k.key(), 1L, Long::sum);
    String envelope = envelope(k, u, priority, seq);
    Mode m = mode;
    if (m.cacheEnabled() && switches.coordinationCache()) {
      Duration ttl = Duration.ofMillis(options.getCacheTtlMillis());
      cache.put(stateKey(s.channel, k.moduleId(), k.key()), envelope, ttl);
      // The channel's index of (module, key) states, so that other nodes (sharing the cache's
      // Redis level) can answer GET /api/state for modules that run here.
      // Rewritten only when the channel's keys changed or half its lifetime has passed: building
      // it is O(keys of the channel), too much for every emission.
      long nowMillis = clock.monotonicMillis();
      Long written = indexWritten.get(s.channel);
      if (written == null || nowMillis - written > options.getCacheTtlMillis() / 2) {
        cache.put(indexKey(s.channel), channelIndex(s.channel).encode(), ttl);
        indexWritten.put(s.channel, nowMillis);
      }
    }
    long now = clock.nanoTime();
    long firstNanos = now - TimeUnit.MILLISECONDS.toNanos(clock.monotonicMillis() - firstOfferMillis);
    if (m.batchingEnabled() && switches.batching()) {
      vertx.eventBus().send(Addresses.BATCH_SUBMIT,
          new CoordinatedUpdate(k.moduleId(), k.key(), s.channel, priority, envelope, firstNanos, now));
    } else {
      hub.publish(s.channel, envelope, null);
      long done = clock.nanoTime();
      latency.record(done - now, TimeUnit.NANOSECONDS);
      hold.record(done - firstNanos, TimeUnit.NANOSECONDS);
    }
  }

  /** The publication's data: {@code {"module","key","priority","seq","state"}}; seq grows per (module, key). */
  private static String envelope(Key k, ModuleUpdate u, Priority priority, long seq) {
    return "{\"module\":" + Json.encode(k.moduleId()) + ",\"key\":" + Json.encode(k.key())
        + ",\"priority\":\"" + priority.wireName() + "\",\"seq\":" + seq + ",\"state\":" + u.payloadJson() + "}";
  }

  static String indexKey(String channel) {
    return "stateidx:" + channel;
  }

  /** The (module, key) pairs with state on {@code channel} known to this node: [[module, key], …]. */
  private JsonArray channelIndex(String channel) {
    JsonArray idx = new JsonArray();
    modules.forEach((id, st) -> {
      if (channel.equals(st.channel)) {
        st.keys.forEach(key -> idx.add(new JsonArray().add(id).add(key)));
      }
    });
    return idx;
  }

  static String stateKey(String channel, String moduleId, String key) {
    return "state:" + channel + '\u0000' + moduleId + '\u0000' + key;
  }

  // ---- mode, state, status -------------------------------------------------------------------

  private void applyMode(Mode m) {
    mode = m;
    debouncer.setNormalDelayMillis(m.normalDelayMillis(options)).setCriticalDelayMillis(m.criticalDelayMillis(options));
    if (vertx != null) {
      vertx.eventBus().request(Addresses.BATCH_CONFIGURE, new JsonObject()
          .put("windowMillis", m.batchWindowMillis(options)).put("maxSize", options.getBatchMaxSize()));
    }
  }

  private void onMode(Message<String> msg) {
    Mode m = Mode.parse(msg.body());
    if (m == null) {
      msg.fail(400, "mode must be MANUAL, HYBRID or FULLY_AUTO");
      return;
    }
    Mode before = mode;
    applyMode(m);
    // Pending debounced updates stay queued (new delays apply to new offers); updates already in
    // the batch processor flush as usual: a switch loses nothing.
    log.info("coordinator mode {} -> {} ({} update(s) pending)", before, m, debouncer.pending());
    msg.reply(m.name());
  }

  /** Live reload of coordinator options: delays, max wait, bypass, TTL, batch bounds, mode. */
  private void onConfigure(Message<JsonObject> msg) {
    CoordinatorOptions next;
    try {
      next = new CoordinatorOptions(msg.body());
    } catch (RuntimeException e) {
      msg.fail(400, e.getMessage());
      return;
    }
    options = next;
    debouncer.setMaxWaitMillis(next.getMaxWaitMillis()).setCriticalBypass(next.isCriticalBypass());
    applyMode(Mode.parse(next.getMode()));
    msg.reply(status());
  }

  private void onState(Message<String> msg) {
    String channel = msg.body();
    List<Future<String>> lookups = new ArrayList<>();
    if (!mode.cacheEnabled() || !switches.coordinationCache()) {
      msg.reply(new JsonArray());
      return;
    }
    JsonArray local = channelIndex(channel);
    Future<JsonArray> index = !local.isEmpty() ? Future.succeededFuture(local)
        : cache.get(indexKey(channel)).map(v -> v == null ? new JsonArray() : new JsonArray(v));
    index.onComplete(ix -> {
      JsonArray entries = ix.succeeded() ? ix.result() : new JsonArray();
      for (int i = 0; i < entries.size(); i++) {
        JsonArray e = entries.getJsonArray(i);
        lookups.add(cache.get(stateKey(channel, e.getString(0), e.getString(1))));
      }
      replyStates(msg, lookups);
    });
  }

  private void replyStates(Message<String> msg, List<Future<String>> lookups) {
    Future.join(lookups).onComplete(ar -> {
      JsonArray states = new JsonArray();
      for (Future<String> f : lookups) {
        if (f.succeeded() && f.result() != null) {
          states.add(new JsonObject(f.result()));
        }
      }
      msg.reply(states);
    });
  }

  private JsonObject status() {
    JsonArray active = new JsonArray();
    modules.forEach((id, s) -> active.add(new JsonObject().put("id", id).put("channel", s.channel)
        .put("idleMillis", clock.monotonicMillis() - s.lastSeenMillis)));
    return new JsonObject()
        .put("mode", mode.name())
        .put("cacheEnabled", mode.cacheEnabled())
        .put("batchingEnabled", mode.batchingEnabled())
        .put("normalDelayMillis", debouncer.getNormalDelayMillis())
        .put("criticalDelayMillis", debouncer.getCriticalDelayMillis())
        .put("maxWaitMillis", debouncer.getMaxWaitMillis())
        .put("activeModules", active)
        .put("pendingUpdates", debouncer.pending())
        .put("updatesIn", debouncer.offered())
        .put("updatesCoalesced", debouncer.coalesced())
        .put("updatesEmitted", debouncer.emitted())
        .put("updatesRejected", (long) rejected.count())
        .put("updatesDropped", (long) dropped.count())
        .put("cacheSize", cache.l1Size())
        .put("cacheHitRate", cache.l1HitRate())
        .put("cacheLookups", cache.l1Requests())
        .put("latencyMillis", timerJson(latency))
        .put("holdMillis", timerJson(hold));
  }

  static JsonObject timerJson(Timer t) {
    JsonObject j = new JsonObject().put("count", t.count()).put("mean", t.mean(TimeUnit.MILLISECONDS))
        .put("max", t.max(TimeUnit.MILLISECONDS));
    for (var v : t.takeSnapshot().percentileValues()) {
      j.put("p" + Math.round(v.percentile() * 100), v.value(TimeUnit.MILLISECONDS));
    }
    return j;
  }
}
