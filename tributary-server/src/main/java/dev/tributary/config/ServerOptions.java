package dev.tributary.config;

import io.vertx.core.json.JsonObject;
import java.util.Set;

/** {@code server.*}: process-level settings. */
public final class ServerOptions {
  /** Default {@code server.eventLoops}: 0 = one per available processor. */
  public static final int DEFAULT_EVENT_LOOPS = 0;
  /** Default {@code server.shutdownTimeoutSeconds}: 10 s. */
  public static final int DEFAULT_SHUTDOWN_TIMEOUT_SECONDS = 10;
  /** Default {@code server.nativeTransport}: true (epoll where available, else NIO). */
  public static final boolean DEFAULT_NATIVE_TRANSPORT = true;
  /** Default {@code server.maxEventLoopExecuteMillis}: 2000 ms (Vert.x's own default). */
  public static final int DEFAULT_MAX_EVENT_LOOP_EXECUTE_MILLIS = 2000;
  /** Default {@code server.blockedThreadCheckIntervalMillis}: 1000 ms (Vert.x's own default). */
  public static final int DEFAULT_BLOCKED_THREAD_CHECK_INTERVAL_MILLIS = 1000;

  private int eventLoops = DEFAULT_EVENT_LOOPS;
  private int shutdownTimeoutSeconds = DEFAULT_SHUTDOWN_TIMEOUT_SECONDS;
  private boolean nativeTransport = DEFAULT_NATIVE_TRANSPORT;
  private int maxEventLoopExecuteMillis = DEFAULT_MAX_EVENT_LOOP_EXECUTE_MILLIS;
  private int blockedThreadCheckIntervalMillis = DEFAULT_BLOCKED_THREAD_CHECK_INTERVAL_MILLIS;

  public ServerOptions() {}

  public ServerOptions(ServerOptions o) {
    eventLoops = o.eventLoops;
    shutdownTimeoutSeconds = o.shutdownTimeoutSeconds;
    nativeTransport = o.nativeTransport;
    maxEventLoopExecuteMillis = o.maxEventLoopExecuteMillis;
    blockedThreadCheckIntervalMillis = o.blockedThreadCheckIntervalMillis;
  }

  public ServerOptions(JsonObject json) {
    JsonFields f = new JsonFields(json, "server");
    f.rejectUnknown(Set.of("eventLoops", "shutdownTimeoutSeconds", "nativeTransport", "maxEventLoopExecuteMillis",
        "blockedThreadCheckIntervalMillis"));
    setEventLoops(f.intValue("eventLoops", eventLoops, 0, 1024));
    setShutdownTimeoutSeconds(f.intValue("shutdownTimeoutSeconds", shutdownTimeoutSeconds, 1, 3600));
    setNativeTransport(f.boolValue("nativeTransport", nativeTransport));
    setMaxEventLoopExecuteMillis(f.intValue("maxEventLoopExecuteMillis", maxEventLoopExecuteMillis, 10, 600_000));
    setBlockedThreadCheckIntervalMillis(f.intValue("blockedThreadCheckIntervalMillis", blockedThreadCheckIntervalMillis, 10, 60_000));
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("eventLoops", eventLoops)
        .put("shutdownTimeoutSeconds", shutdownTimeoutSeconds)
        .put("nativeTransport", nativeTransport)
        .put("maxEventLoopExecuteMillis", maxEventLoopExecuteMillis)
        .put("blockedThreadCheckIntervalMillis", blockedThreadCheckIntervalMillis);
  }

  /** Event-loop threads, one gateway instance each; 0 = available processors. */
  public int getEventLoops() {
    return eventLoops;
  }

  public ServerOptions setEventLoops(int eventLoops) {
    this.eventLoops = Check.range("server.eventLoops", eventLoops, 0, 1024);
    return this;
  }

  /** Event loops actually used: {@link #getEventLoops()} or the processor count. */
  public int effectiveEventLoops() {
    return eventLoops > 0 ? eventLoops : Runtime.getRuntime().availableProcessors();
  }

  /** Upper bound on a graceful shutdown (SIGTERM), seconds. Default 10. */
  public int getShutdownTimeoutSeconds() {
    return shutdownTimeoutSeconds;
  }

  public ServerOptions setShutdownTimeoutSeconds(int s) {
    this.shutdownTimeoutSeconds = Check.range("server.shutdownTimeoutSeconds", s, 1, 3600);
    return this;
  }

  /** Use Netty's epoll transport when it loads. Default true. */
  public boolean isNativeTransport() {
    return nativeTransport;
  }

  public ServerOptions setNativeTransport(boolean nativeTransport) {
    this.nativeTransport = nativeTransport;
    return this;
  }

  /**
   * How long one task may hold an event loop before Vert.x logs "Thread ... has been blocked"
   * (a WARN from {@code io.vertx.core.impl.BlockedThreadChecker}), milliseconds, 10–600000.
   * Default 2000 (Vert.x's default).
   */
  public int getMaxEventLoopExecuteMillis() {
    return maxEventLoopExecuteMillis;
  }

  public ServerOptions setMaxEventLoopExecuteMillis(int millis) {
    this.maxEventLoopExecuteMillis = Check.range("server.maxEventLoopExecuteMillis", millis, 10, 600_000);
    return this;
  }

  /** How often Vert.x checks for blocked event loops, milliseconds, 10–60000. Default 1000. */
  public int getBlockedThreadCheckIntervalMillis() {
    return blockedThreadCheckIntervalMillis;
  }

  public ServerOptions setBlockedThreadCheckIntervalMillis(int millis) {
    this.blockedThreadCheckIntervalMillis = Check.range("server.blockedThreadCheckIntervalMillis", millis, 10, 60_000);
    return this;
  }
}
