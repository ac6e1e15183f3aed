package dev.tributary.config;

/**
 * A configuration problem, naming the offending key. The server prints {@link #getMessage()} as
 * its one line and exits with code 2.
 */
public final class ConfigException extends RuntimeException {
  private final String key;

  public ConfigException(String key, String problem) {
    super("config: " + key + ": " + problem);
    this.key = key;
  }

  /** The dotted key the problem is about, e.g. {@code gateway.maxConnections}. */
  public String key() {
    return key;
  }
}
