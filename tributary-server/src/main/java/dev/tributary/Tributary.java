package dev.tributary;

import dev.tributary.config.TributaryOptions;
import io.vertx.core.Deployable;
import io.vertx.core.Future;

/**
 * Tributary as a library: one call starts a node in your application's JVM with your options and
 * your own module verticles, which reach the coordinator over the node's event bus
 * ({@code ModuleClient}) exactly as modules named in a config file do.
 *
 * <pre>{@code
 * TributaryOptions options = new TributaryOptions();
 * options.getHttp().setPort(8000);
 * TributaryServer server = Tributary.start(options, new PresenceModule())
 *     .await(30, TimeUnit.SECONDS);            // or compose on the future
 * ...
 * server.stop().await(30, TimeUnit.SECONDS);    // graceful shutdown, as on SIGTERM
 * }</pre>
 *
 * The node builds its own Vert.x instance ({@link TributaryServer#vertx()}). The future completes
 * once every verticle is deployed and the HTTP/WebSocket port listens ({@link
 * TributaryServer#port()}; port 0 picks a free one); it fails (and what was started is stopped)
 * when the options cannot be served, e.g. the port is taken or a verticle fails to start.
 */
public final class Tributary {
  private Tributary() {}

  /** Starts a node with {@code options} and deploys {@code modules} on it; see the class comment. */
  public static Future<TributaryServer> start(TributaryOptions options, Deployable... modules) {
    TributaryServer server = new TributaryServer(options).withModules(modules);
    return server.start()
        .map(port -> server)
        .recover(err -> server.stop().transform(stopped -> Future.failedFuture(err)));
  }
}
