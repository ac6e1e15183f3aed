package dev.tributary.bench;

/**
 * The server under test: where it listens, its API key, and (when it is another process on this
 * machine) a probe for its CPU and memory; {@code probe} is null for an in-process server.
 */
public record Target(String host, int port, String apiKey, ServerProbe probe) {
  public Target {
    if (port <= 0 || port > 65535) {
      throw new BenchException("bad server port " + port);
    }
  }

  public Target(String host, int port, String apiKey) {
    this(host, port, apiKey, null);
  }
}
