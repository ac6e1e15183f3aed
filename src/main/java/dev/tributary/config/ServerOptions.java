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

  private int eventLoops = DEFAULT_EVENT_LOOPS;
  private int shutdownTimeoutSeconds = DEFAULT_SHUTDOWN_TIMEOUT_SECONDS;
  private boolean nativeTransport = DEFAULT_NATIVE_TRANSPORT;

  public ServerOptions() {}

  public ServerOptions(ServerOptions o) {
    eventLoops = o.eventLoops;
    shutdownTimeoutSeconds = o.shutdownTimeoutSeconds;
    nativeTransport = o.nativeTransport;
  }

  public ServerOptions(JsonObject json) {
    JsonFields f = new JsonFields(json, "server");
    f.rejectUnknown(Set.of("eventLoops", "shutdownTimeoutSeconds", "nativeTransport"));
    setEventLoops(f.intValue("eventLoops", eventLoops, 0, 1024));
    setShutdownTimeoutSeconds(f.intValue("shutdownTimeoutSeconds", shutdownTimeoutSeconds, 1, 3600));
    setNativeTransport(f.boolValue("nativeTransport", nativeTransport));
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("eventLoops", eventLoops)
        .put("shutdownTimeoutSeconds", shutdownTimeoutSeconds)
        .put("nativeTransport", nativeTransport);
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
}
