package dev.tributary.config;

import dev.tributary.config.Option.Reload;
import io.vertx.core.json.JsonObject;

/** {@code server.*}: process-level settings. */
public final class ServerOptions {
  /** Default {@code server.eventLoops}: 0 = one per available processor. */
  public static final int DEFAULT_EVENT_LOOPS = 0;
  /** Default {@code server.shutdownTimeoutSeconds}: 10 s. */
  public static final int DEFAULT_SHUTDOWN_TIMEOUT_SECONDS = 10;
  /**
   * Default {@code server.transport}: epoll (NIO where epoll does not load). io_uring stays opt-in
   * until the A/B against epoll is measured (docs/PERFORMANCE.md).
   */
  public static final String DEFAULT_TRANSPORT = "epoll";
  /** Default {@code server.maxEventLoopExecuteMillis}: 2000 ms (Vert.x's own default). */
  public static final int DEFAULT_MAX_EVENT_LOOP_EXECUTE_MILLIS = 2000;
  /** Default {@code server.blockedThreadCheckIntervalMillis}: 1000 ms (Vert.x's own default). */
  public static final int DEFAULT_BLOCKED_THREAD_CHECK_INTERVAL_MILLIS = 1000;

  static final OptionSet<ServerOptions> OPTIONS = OptionSet.of("server");
  private static final Option<ServerOptions, Integer> EVENT_LOOPS = OPTIONS.ints("eventLoops", DEFAULT_EVENT_LOOPS,
      0, 1024, Reload.RESTART, o -> o.eventLoops, (o, v) -> o.eventLoops = v);
  private static final Option<ServerOptions, Integer> SHUTDOWN_TIMEOUT_SECONDS = OPTIONS.ints("shutdownTimeoutSeconds",
      DEFAULT_SHUTDOWN_TIMEOUT_SECONDS, 1, 3600, Reload.RESTART, o -> o.shutdownTimeoutSeconds,
      (o, v) -> o.shutdownTimeoutSeconds = v);
  private static final Option<ServerOptions, String> TRANSPORT = OPTIONS.choice("transport", DEFAULT_TRANSPORT,
      java.util.List.of("auto", "io_uring", "epoll", "nio"), Option.lower(), true, Reload.RESTART, o -> o.transport,
      (o, v) -> o.transport = v);
  private static final Option<ServerOptions, Integer> MAX_EVENT_LOOP_EXECUTE_MILLIS = OPTIONS.ints(
      "maxEventLoopExecuteMillis", DEFAULT_MAX_EVENT_LOOP_EXECUTE_MILLIS, 10, 600_000, Reload.RESTART,
      o -> o.maxEventLoopExecuteMillis, (o, v) -> o.maxEventLoopExecuteMillis = v);
  private static final Option<ServerOptions, Integer> BLOCKED_THREAD_CHECK_INTERVAL_MILLIS = OPTIONS.ints(
      "blockedThreadCheckIntervalMillis", DEFAULT_BLOCKED_THREAD_CHECK_INTERVAL_MILLIS, 10, 60_000, Reload.RESTART,
      o -> o.blockedThreadCheckIntervalMillis, (o, v) -> o.blockedThreadCheckIntervalMillis = v);

  private int eventLoops;
  private int shutdownTimeoutSeconds;
  private String transport;
  private int maxEventLoopExecuteMillis;
  private int blockedThreadCheckIntervalMillis;

  public ServerOptions() {
    OPTIONS.reset(this);
  }

  public ServerOptions(ServerOptions o) {
    OPTIONS.copy(o, this);
  }

  public ServerOptions(JsonObject json) {
    this();
    OPTIONS.read(this, json);
  }

  public JsonObject toJson() {
    return OPTIONS.write(this);
  }

  /** Event-loop threads, one gateway instance each; 0 = available processors. */
  public int getEventLoops() {
    return eventLoops;
  }

  public ServerOptions setEventLoops(int eventLoops) {
    this.eventLoops = EVENT_LOOPS.check(eventLoops);
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
    this.shutdownTimeoutSeconds = SHUTDOWN_TIMEOUT_SECONDS.check(s);
    return this;
  }

  /**
   * Netty transport: {@code auto} (io_uring where the kernel allows it, else epoll, else NIO),
   * {@code io_uring}, {@code epoll} or {@code nio}. A native transport that does not load falls back
   * (io_uring to epoll to NIO) with one log line naming the cause. Default {@code epoll}.
   */
  public String getTransport() {
    return transport;
  }

  public ServerOptions setTransport(String transport) {
    this.transport = TRANSPORT.check(transport);
    return this;
  }

  /**
   * How long one task may hold an event loop before Vert.x logs "Thread ... has been blocked"
   * (a WARN from {@code io.vertx.core.impl.BlockedThreadChecker}), milliseconds. Default 2000
   * (Vert.x's default).
   */
  public int getMaxEventLoopExecuteMillis() {
    return maxEventLoopExecuteMillis;
  }

  public ServerOptions setMaxEventLoopExecuteMillis(int millis) {
    this.maxEventLoopExecuteMillis = MAX_EVENT_LOOP_EXECUTE_MILLIS.check(millis);
    return this;
  }

  /** How often Vert.x checks for blocked event loops, milliseconds. Default 1000. */
  public int getBlockedThreadCheckIntervalMillis() {
    return blockedThreadCheckIntervalMillis;
  }

  public ServerOptions setBlockedThreadCheckIntervalMillis(int millis) {
    this.blockedThreadCheckIntervalMillis = BLOCKED_THREAD_CHECK_INTERVAL_MILLIS.check(millis);
    return this;
  }
}
