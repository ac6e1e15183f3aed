package dev.tributary.config;

import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code channels.*}: channel rules. A channel {@code name:rest} belongs to namespace
 * {@code name}, which must be configured; a channel without {@code :} uses the top-level rules.
 */
public final class ChannelsOptions {
  private static final Pattern NAMESPACE = Pattern.compile("[A-Za-z0-9_.\\-]+");

  /** Default {@code channels.historyMaxChannels}: 100,000 channel streams kept in memory. */
  public static final int DEFAULT_HISTORY_MAX_CHANNELS = 100_000;

  /** Default {@code channels.historyMaxBytes}: 256 MiB of history entries in memory. */
  public static final long DEFAULT_HISTORY_MAX_BYTES = 256L << 20;

  /** Default {@code channels.presenceTtlSeconds}: 60 s. */
  public static final int DEFAULT_PRESENCE_TTL_SECONDS = 60;

  private boolean allowClientPublish;
  private int historyMaxChannels = DEFAULT_HISTORY_MAX_CHANNELS;
  private int historyMetaTtlSeconds = 30 * 86_400;
  private long historyMaxBytes = DEFAULT_HISTORY_MAX_BYTES;
  private int presenceTtlSeconds = DEFAULT_PRESENCE_TTL_SECONDS;
  private int positionCheckSeconds = 20;
  private int maxPublicationBytes;
  private Map<String, NamespaceOptions> namespaces = new LinkedHashMap<>();

  public ChannelsOptions() {}

  public ChannelsOptions(ChannelsOptions o) {
    allowClientPublish = o.allowClientPublish;
    historyMaxChannels = o.historyMaxChannels;
    historyMetaTtlSeconds = o.historyMetaTtlSeconds;
    historyMaxBytes = o.historyMaxBytes;
    presenceTtlSeconds = o.presenceTtlSeconds;
    positionCheckSeconds = o.positionCheckSeconds;
    maxPublicationBytes = o.maxPublicationBytes;
    o.namespaces.forEach((k, v) -> namespaces.put(k, new NamespaceOptions(v)));
  }

  public ChannelsOptions(JsonObject json) {
    JsonFields f = new JsonFields(json, "channels");
    f.rejectUnknown(Set.of("allowClientPublish", "historyMaxChannels", "historyMetaTtlSeconds", "historyMaxBytes",
        "presenceTtlSeconds", "positionCheckSeconds", "maxPublicationBytes", "namespaces"));
    allowClientPublish = f.boolValue("allowClientPublish", false);
    historyMaxChannels = f.intValue("historyMaxChannels", historyMaxChannels, 1, 100_000_000);
    historyMetaTtlSeconds = f.intValue("historyMetaTtlSeconds", historyMetaTtlSeconds, 60, 365 * 86_400);
    historyMaxBytes = f.longValue("historyMaxBytes", historyMaxBytes, 1L << 20, 1L << 40);
    presenceTtlSeconds = f.intValue("presenceTtlSeconds", presenceTtlSeconds, 1, 3600);
    positionCheckSeconds = f.intValue("positionCheckSeconds", positionCheckSeconds, 1, 3600);
    maxPublicationBytes = f.intValue("maxPublicationBytes", 0, 0, 1 << 30);
    JsonObject ns = f.object("namespaces");
    if (ns != null) {
      JsonFields nf = new JsonFields(ns, "channels.namespaces");
      for (String name : ns.fieldNames()) {
        if (!NAMESPACE.matcher(name).matches()) {
          throw new ConfigException("channels.namespaces." + name, "namespace names use letters, digits, '_', '-', '.'");
        }
        namespaces.put(name, new NamespaceOptions(name, nf.object(name)));
      }
    }
  }

  public JsonObject toJson() {
    JsonObject ns = new JsonObject();
    namespaces.forEach((k, v) -> ns.put(k, v.toJson()));
    return new JsonObject().put("allowClientPublish", allowClientPublish).put("historyMaxChannels", historyMaxChannels)
        .put("historyMetaTtlSeconds", historyMetaTtlSeconds).put("historyMaxBytes", historyMaxBytes)
        .put("presenceTtlSeconds", presenceTtlSeconds).put("positionCheckSeconds", positionCheckSeconds)
        .put("maxPublicationBytes", maxPublicationBytes).put("namespaces", ns);
  }

  /**
   * {@code channels.maxPublicationBytes}: the largest publication (its encoded push) accepted from
   * the API, clients and modules; 0 (default) = a quarter of {@code gateway.maxQueueBytes}, but at
   * most {@code http.maxBodyBytes} (see {@link TributaryOptions#effectiveMaxPublicationBytes}).
   */
  public int getMaxPublicationBytes() {
    return maxPublicationBytes;
  }

  public ChannelsOptions setMaxPublicationBytes(int v) {
    this.maxPublicationBytes = Check.range("channels.maxPublicationBytes", v, 0, 1 << 30);
    return this;
  }

  /** Clients may publish to channels without a namespace. Default false. */
  public boolean isAllowClientPublish() {
    return allowClientPublish;
  }

  public ChannelsOptions setAllowClientPublish(boolean v) {
    this.allowClientPublish = v;
    return this;
  }

  /** Channel streams with history kept in memory (least recently used dropped). Default 100,000. */
  public int getHistoryMaxChannels() {
    return historyMaxChannels;
  }

  public ChannelsOptions setHistoryMaxChannels(int v) {
    this.historyMaxChannels = Check.range("channels.historyMaxChannels", v, 1, 100_000_000);
    return this;
  }

  /**
   * With Redis: how long a channel stream's epoch and last offset outlive its last publication,
   * seconds (the entries themselves go after {@code historyTtlSeconds}). A client coming back
   * within it, having missed nothing, is told {@code recovered: true}; after it, the stream starts a
   * new epoch. Default 30 days; at least each namespace's {@code historyTtlSeconds} in effect.
   */
  public int getHistoryMetaTtlSeconds() {
    return historyMetaTtlSeconds;
  }

  public ChannelsOptions setHistoryMetaTtlSeconds(int v) {
    this.historyMetaTtlSeconds = Check.range("channels.historyMetaTtlSeconds", v, 60, 365 * 86_400);
    return this;
  }

  /**
   * One node: estimated bytes of all history streams' entries kept in memory; past it the least
   * recently used streams are dropped (their clients then recover with {@code recovered: false}).
   * Default 256 MiB.
   */
  public long getHistoryMaxBytes() {
    return historyMaxBytes;
  }

  public ChannelsOptions setHistoryMaxBytes(long v) {
    this.historyMaxBytes = Check.range("channels.historyMaxBytes", v, 1L << 20, 1L << 40);
    return this;
  }

  /**
   * With Redis, how long a presence entry outlives its node's last refresh (nodes refresh their
   * entries every third of it), in seconds, 1..3600. Default 60. Without Redis presence is in
   * memory and leaves with the connection; this is unused.
   */
  public int getPresenceTtlSeconds() {
    return presenceTtlSeconds;
  }

  public ChannelsOptions setPresenceTtlSeconds(int v) {
    this.presenceTtlSeconds = Check.range("channels.presenceTtlSeconds", v, 1, 3600);
    return this;
  }

  /**
   * With Redis: how often each gateway instance compares, for every local channel with history,
   * the stream's last offset in Redis with the last one it delivered; a node that lags a whole
   * period behind (it missed publications of a quiet channel) ends those subscriptions with 2500
   * so the clients recover. Seconds, 1..3600, default 20 (a miss is noticed within two periods).
   */
  public int getPositionCheckSeconds() {
    return positionCheckSeconds;
  }

  public ChannelsOptions setPositionCheckSeconds(int v) {
    this.positionCheckSeconds = Check.range("channels.positionCheckSeconds", v, 1, 3600);
    return this;
  }

  /** Configured namespaces by name. Default none. */
  public Map<String, NamespaceOptions> getNamespaces() {
    return namespaces;
  }

  public ChannelsOptions putNamespace(String name, NamespaceOptions options) {
    namespaces.put(name, options);
    return this;
  }
}
