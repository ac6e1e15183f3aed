package dev.tributary.metrics;

/** Every Tributary meter name, lowercase dot-case with the {@code tributary.} prefix. */
public final class MetricNames {
  private MetricNames() {}

  public static final String CONNECTIONS = "tributary.gateway.connections";
  public static final String PUSHER_CLIENT_EVENTS = "tributary.pusher.client.events";
  public static final String PUSHER_CLIENT_EVENTS_REJECTED = "tributary.pusher.client.events.rejected";
  public static final String PUSHER_AUTH_FAILURES = "tributary.pusher.auth.failures";
  public static final String PUSHER_BAD_MESSAGES = "tributary.pusher.bad.messages";
  public static final String PUSHER_API_REFUSED = "tributary.pusher.api.refused";
  public static final String PUSHER_WEBHOOKS_SENT = "tributary.pusher.webhooks.sent";
  public static final String PUSHER_WEBHOOKS_DROPPED = "tributary.pusher.webhooks.dropped";
  public static final String PUSHER_WEBHOOKS_RETRIED = "tributary.pusher.webhooks.retried";
  /** Open connections by client protocol (tag {@code protocol}: centrifugo, pusher). */
  public static final String PROTOCOL_CONNECTIONS = "tributary.gateway.protocol.connections";
  public static final String SOCKETS = "tributary.gateway.sockets";
  public static final String HANDSHAKE_TIMEOUTS = "tributary.gateway.handshake.timeouts";
  public static final String SOCKETS_EVICTED = "tributary.gateway.sockets.evicted";
  public static final String CONNECTIONS_OPENED = "tributary.gateway.connections.opened";
  public static final String CONNECTIONS_CLOSED = "tributary.gateway.connections.closed";
  public static final String CONNECTIONS_REFUSED = "tributary.gateway.connections.refused";
  public static final String COMMANDS = "tributary.gateway.commands";
  public static final String DELIVERIES = "tributary.gateway.deliveries";
  public static final String FRAMES_OUT = "tributary.gateway.frames.out";
  public static final String BYTES_OUT = "tributary.gateway.bytes.out";
  public static final String SLOW_CLOSES = "tributary.gateway.slow.closes";
  public static final String SLOW_DROPPED_BYTES = "tributary.gateway.slow.dropped.bytes";
  public static final String HEARTBEAT_CLOSES = "tributary.gateway.heartbeat.closes";
  public static final String RATE_LIMITED = "tributary.gateway.ratelimit.rejected";
  /** Publications transcoded from JSON to Protobuf: at most once per publication and node. */
  public static final String PROTOBUF_TRANSCODES = "tributary.gateway.protobuf.transcodes";
  public static final String PUBLICATIONS = "tributary.hub.publications";
  public static final String API_REQUESTS = "tributary.api.requests";
  /** Server API subscriptions not added to a connection (channel limit, position unreadable). */
  public static final String API_SUBSCRIBE_SKIPPED = "tributary.api.subscribe.skipped";
  /** Server API publications answered from the idempotency cache instead of published again. */
  public static final String API_IDEMPOTENT_HITS = "tributary.api.idempotent.hits";
  /** Control messages from other nodes that could not be read (dropped, logged). */
  public static final String CONTROL_INVALID = "tributary.control.invalid";
  public static final String PUBLISH_TO_DELIVER = "tributary.hub.publish.to.deliver";
  /** Tag {@code reason}: broker_unavailable, broker_timeout, shutdown, too_large (Hub.Refusal). */
  public static final String PUBLISH_REFUSED = "tributary.publish.refused";
  public static final String PUBLISH_LOCAL_ONLY = "tributary.publish.local.only";
  /** Channel subscriptions Redis confirmed after their subscribers had been answered without it. */
  public static final String BROKER_LATE_SUBSCRIPTIONS = "tributary.broker.subscriptions.late";
  /** Publications acknowledged but not written to a subscriber's socket before shutdown ended. */
  public static final String SHUTDOWN_UNDELIVERED = "tributary.shutdown.undelivered";
  public static final String STREAM_GAPS = "tributary.history.stream.gaps";
  public static final String INSUFFICIENT_STATE = "tributary.subscriptions.insufficient.state";
  /** Recoveries answered {@code recovered: false} (start fresh) because they exceed the reply budget. */
  public static final String RECOVERY_TOO_LARGE = "tributary.subscriptions.recovery.too.large";
  public static final String CONNECT_TIME = "tributary.gateway.connect";

  /** Presence commands to Redis that failed (with Redis, {@code redis.presence.RedisPresence}). */
  public static final String PRESENCE_REDIS_FAILED = "tributary.presence.redis.failed";
  /** This node's own presence entries (refreshed in Redis every TTL/3 with Redis). */
  public static final String PRESENCE_LOCAL_ENTRIES = "tributary.presence.local.entries";

  public static final String CACHE_HITS = "tributary.cache.hits";
  public static final String CACHE_MISSES = "tributary.cache.misses";
  public static final String CACHE_SIZE = "tributary.cache.size";
  /** Operations that skipped or lost L2 because Redis was unavailable. Tags: cache, op=get|put|invalidate. */
  public static final String CACHE_DEGRADED = "tributary.cache.degraded";
  /** Invalidations applied to L1. Tags: cache, origin=local|remote. */
  public static final String CACHE_INVALIDATIONS = "tributary.cache.invalidations";

  // Redis link meters. Tag: redis=<link name> (bounded: one per link).
  public static final String REDIS_AVAILABLE = "tributary.redis.available";
  public static final String REDIS_COMMANDS_FAILED = "tributary.redis.commands.failed";
  public static final String REDIS_COMMANDS_REJECTED = "tributary.redis.commands.rejected";
  public static final String REDIS_RECONNECTS = "tributary.redis.subscriber.reconnects";

  public static final String BROKER_PUBLISHED = "tributary.broker.published";
  public static final String BROKER_RECEIVED = "tributary.broker.received";
  public static final String BROKER_PUBLISH_FAILED = "tributary.broker.publish.failed";

  public static final String COORDINATOR_UPDATES_IN = "tributary.coordinator.updates.in";
  public static final String COORDINATOR_COALESCED = "tributary.coordinator.updates.coalesced";
  public static final String COORDINATOR_EMITTED = "tributary.coordinator.updates.emitted";
  /** Pending updates dropped with their module (unregister, inactivity). */
  public static final String COORDINATOR_DROPPED = "tributary.coordinator.updates.dropped";
  public static final String COORDINATOR_PENDING = "tributary.coordinator.pending";
  public static final String COORDINATOR_MODULES = "tributary.coordinator.modules";
  /** Time from an update's release by the debouncer to its publication (pipeline overhead + batch wait). */
  public static final String COORDINATOR_LATENCY = "tributary.coordinator.latency";
  /** Time from the first update an emission coalesces to its publication. */
  public static final String COORDINATOR_HOLD = "tributary.coordinator.hold";

  public static final String BATCH_QUEUE = "tributary.batch.queue";
  public static final String BATCH_SIZE = "tributary.batch.size";
  public static final String BATCH_FLUSHES = "tributary.batch.flushes";

  public static final String MEMORY_PRESSURE = "tributary.memory.pressure";
  public static final String MEMORY_HEAP_USED = "tributary.memory.heap.used";
  public static final String MEMORY_HEAP_LIVE = "tributary.memory.heap.live";
  public static final String MEMORY_CLEANUPS = "tributary.memory.cleanups";
  public static final String MEMORY_SHED = "tributary.memory.shed.connections";

  /**
   * Channels a {@code POST /api/broadcast} did not publish to because nobody subscribes to them
   * anywhere (and they keep no history), so their push was never encoded ({@code api.Broadcast}).
   */
  public static final String BROADCAST_SKIPPED = "tributary.broadcast.skipped";

  /** Hook calls, tagged {@code hook} (connect, refresh, subscribe, publish, sub_refresh, rpc) and {@code outcome}. */
  public static final String HOOK_CALLS = "tributary.hooks.calls";
}
