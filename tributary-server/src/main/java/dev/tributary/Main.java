package dev.tributary;

import dev.tributary.config.ConfigException;
import dev.tributary.config.ConfigLoader;
import dev.tributary.config.TributaryOptions;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Entry point: {@code java -jar tributary.jar [--conf FILE]}, or {@code java -cp tributary.jar:my-modules.jar
 * dev.tributary.Main [--conf FILE]} with modules of one's own. A bad config prints one line naming
 * the key and exits with code 2; SIGTERM triggers a graceful, bounded shutdown.
 */
public final class Main {
  /** Exit code for a configuration error. */
  public static final int EXIT_CONFIG = 2;
  /** Exit code when the server could not start (e.g. port in use). */
  public static final int EXIT_START = 1;

  private Main() {}

  public static void main(String[] args) {
    TributaryOptions options;
    try {
      options = ConfigLoader.load(args, System.getenv());
    } catch (ConfigException e) {
      System.err.println(e.getMessage());
      System.exit(EXIT_CONFIG);
      return;
    }
    Logger log = LoggerFactory.getLogger(Main.class);
    if (options.getApi().getKey() == null) {
      log.warn("api.key is not set: the HTTP server API answers 401 to every call");
    }
    TributaryServer server = new TributaryServer(options).configFile(ConfigLoader.locate(args, System.getenv()));
    try {
      server.start().await(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.error("could not start: {}", e.getMessage() == null ? e.toString() : e.getMessage());
      System.exit(EXIT_START);
      return;
    }
    long timeout = options.getServer().getShutdownTimeoutSeconds() + 2L;
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      log.info("shutting down");
      try {
        server.stop().await(timeout, TimeUnit.SECONDS);
      } catch (Exception e) {
        log.warn("shutdown did not complete cleanly: {}", e.toString());
      }
    }, "tributary-shutdown"));
  }
}
