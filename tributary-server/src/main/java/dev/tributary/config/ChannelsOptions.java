package dev.tributary.config;

import dev.tributary.config.Option.Reload;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;
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

  /** Default {@code channels.historyMetaTtlSeconds}: 30 days. */
  public static final int DEFAULT_HISTORY_META_TTL_SECONDS = 30 * 86_400;

  /** Default {@code channels.positionCheckSeconds}: 20 s. */
  public static final int DEFAULT_POSITION_CHECK_SECONDS = 20;

  static final OptionSet<ChannelsOptions> OPTIONS = OptionSet.of("channels", "namespaces");
  private static final Option<ChannelsOptions, Boolean> ALLOW_CLIENT_PUBLISH = OPTIONS.bools("allowClientPublish",
      false, Reload.LIVE, o -> o.allowClientPublish, (o, v) -> o.allowClientPublish = v);
  private static final Option<ChannelsOptions, Integer> HISTORY_MAX_CHANNELS = OPTIONS.ints("historyMaxChannels",
      DEFAULT_HISTORY_MAX_CHANNELS, 1, 100_000_000, Reload.RESTART, o -> o.historyMaxChannels,
      (o, v) -> o.historyMaxChannels = v);
  private static final Option<ChannelsOptions, Long> HISTORY_MAX_BYTES = OPTIONS.longs("historyMaxBytes",
      DEFAULT_HISTORY_MAX_BYTES, 1L << 20, 1L << 40, Reload.RESTART, o -> o.historyMaxBytes,
      (o, v) -> o.historyMaxBytes = v);
  private static final Option<ChannelsOptions, Integer> HISTORY_META_TTL_SECONDS = OPTIONS.ints(
      "historyMetaTtlSeconds", DEFAULT_HISTORY_META_TTL_SECONDS, 60, 365 * 86_400, Reload.RESTART,
      o -> o.historyMetaTtlSeconds, (o, v) -> o.historyMetaTtlSeconds = v);
  private static final Option<ChannelsOptions, Integer> MAX_PUBLICATION_BYTES = OPTIONS.ints("maxPublicationBytes",
      0, 0, 1 << 30, Reload.LIVE, o -> o.maxPublicationBytes, (o, v) -> o.maxPublicationBytes = v);
  private static final Option<ChannelsOptions, Integer> POSITION_CHECK_SECONDS = OPTIONS.ints("positionCheckSeconds",
      DEFAULT_POSITION_CHECK_SECONDS, 1, 3600, Reload.RESTART, o -> o.positionCheckSeconds,
      (o, v) -> o.positionCheckSeconds = v);
  private static final Option<ChannelsOptions, Integer> PRESENCE_TTL_SECONDS = OPTIONS.ints("presenceTtlSeconds",
      DEFAULT_PRESENCE_TTL_SECONDS, 1, 3600, Reload.RESTART, o -> o.presenceTtlSeconds,
      (o, v) -> o.presenceTtlSeconds = v);

  private boolean allowClientPublish;
  private int historyMaxChannels;
  private int historyMetaTtlSeconds;
  private long historyMaxBytes;
  private int presenceTtlSeconds;
  private int positionCheckSeconds;
  private int maxPublicationBytes;
  private Map<String, NamespaceOptions> namespaces = new LinkedHashMap<>();

  public ChannelsOptions() {
    OPTIONS.reset(this);
  }

  public ChannelsOptions(ChannelsOptions o) {
    OPTIONS.copy(o, this);
    o.namespaces.forEach((k, v) -> namespaces.put(k, new NamespaceOptions(v)));
  }

  public ChannelsOptions(JsonObject json) {
    this();
    JsonFields f = OPTIONS.fields(this, json);
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
    return OPTIONS.write(this).put("namespaces", ns);
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
    this.maxPublicationBytes = MAX_PUBLICATION_BYTES.check(v);
    return this;
  }

  /** Clients may publish to channels without a namespace. Default false. */
  public boolean isAllowClientPublish() {
    return allowClientPublish;
  }

  public ChannelsOptions setAllowClientPublish(boolean v) {
    this.allowClientPublish = ALLOW_CLIENT_PUBLISH.check(v);
    return this;
  }

  /** Channel streams with history kept in memory (least recently used dropped). Default 100,000. */
  public int getHistoryMaxChannels() {
    return historyMaxChannels;
  }

  public ChannelsOptions setHistoryMaxChannels(int v) {
    this.historyMaxChannels = HISTORY_MAX_CHANNELS.check(v);
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
    this.historyMetaTtlSeconds = HISTORY_META_TTL_SECONDS.check(v);
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
    this.historyMaxBytes = HISTORY_MAX_BYTES.check(v);
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
    this.presenceTtlSeconds = PRESENCE_TTL_SECONDS.check(v);
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
    this.positionCheckSeconds = POSITION_CHECK_SECONDS.check(v);
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
