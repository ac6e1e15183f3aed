package dev.tributary.metrics;

/** Every Tributary meter name, lowercase dot-case with the {@code tributary.} prefix. */
public final class MetricNames {
  private MetricNames() {}

  public static final String CONNECTIONS = "tributary.gateway.connections";
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
  public static final String PUBLICATIONS = "tributary.hub.publications";
  public static final String API_REQUESTS = "tributary.api.requests";
}
