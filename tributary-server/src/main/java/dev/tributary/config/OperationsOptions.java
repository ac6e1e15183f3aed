package dev.tributary.config;

import dev.tributary.config.Option.Reload;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * Operator-facing settings, one small JSON object each: {@code metrics.*}, {@code dashboard.*},
 * {@code compression.*}, {@code ids.*}, {@code config.*}.
 */
public final class OperationsOptions {
  /** Default {@code compression.httpMinBytes}: HTTP API responses from 1 KiB are gzipped when the client accepts it. */
  public static final int DEFAULT_HTTP_GZIP_MIN_BYTES = 1024;
  /** Default {@code config.scanPeriodMillis}: 2 s. */
  public static final int DEFAULT_SCAN_PERIOD_MILLIS = 2000;

  private static final Option.Rule NOT_EMPTY = (k, v) -> {
    if (v != null && v.isEmpty()) {
      throw new ConfigException(k, "must not be empty (omit it for none)");
    }
    return v;
  };

  static final OptionSet<OperationsOptions> METRICS = OptionSet.of("metrics");
  private static final Option<OperationsOptions, String> METRICS_TOKEN = METRICS.strings("token", null, "not empty",
      NOT_EMPTY, Reload.LIVE, o -> o.metricsToken, (o, v) -> o.metricsToken = v);
  static final OptionSet<OperationsOptions> DASHBOARD = OptionSet.of("dashboard");
  private static final Option<OperationsOptions, String> DASHBOARD_TOKEN = DASHBOARD.strings("token", null,
      "not empty", NOT_EMPTY, Reload.LIVE, o -> o.dashboardToken, (o, v) -> o.dashboardToken = v);
  static final OptionSet<OperationsOptions> COMPRESSION = OptionSet.of("compression");
  private static final Option<OperationsOptions, Boolean> WEBSOCKET_DEFLATE = COMPRESSION.bools("websocket", false,
      Reload.RESTART, o -> o.websocketDeflate, (o, v) -> o.websocketDeflate = v);
  private static final Option<OperationsOptions, Boolean> HTTP_GZIP = COMPRESSION.bools("http", true,
      Reload.RESTART, o -> o.httpGzip, (o, v) -> o.httpGzip = v);
  private static final Option<OperationsOptions, Integer> HTTP_GZIP_MIN_BYTES = COMPRESSION.ints("httpMinBytes",
      DEFAULT_HTTP_GZIP_MIN_BYTES, 0, Integer.MAX_VALUE, Reload.RESTART, o -> o.httpGzipMinBytes,
      (o, v) -> o.httpGzipMinBytes = v);
  static final OptionSet<OperationsOptions> IDS = OptionSet.of("ids");
  private static final Option<OperationsOptions, String> PUBLICATION_IDS = IDS.choice("publicationIds", "hybrid",
      List.of("fast", "secure", "hybrid"), Option.lower(), false, Reload.RESTART, o -> o.publicationIds,
      (o, v) -> o.publicationIds = v);
  static final OptionSet<OperationsOptions> CONFIG = OptionSet.of("config");
  private static final Option<OperationsOptions, Boolean> CONFIG_WATCH = CONFIG.bools("watch", false, Reload.RESTART,
      o -> o.configWatch, (o, v) -> o.configWatch = v);
  private static final Option<OperationsOptions, Integer> CONFIG_SCAN_PERIOD_MILLIS = CONFIG.ints("scanPeriodMillis",
      DEFAULT_SCAN_PERIOD_MILLIS, 100, 3_600_000, Reload.RESTART, o -> o.configScanPeriodMillis,
      (o, v) -> o.configScanPeriodMillis = v);
  private static final List<OptionSet<OperationsOptions>> SETS = List.of(METRICS, DASHBOARD, COMPRESSION, IDS, CONFIG);

  private String metricsToken;
  private String dashboardToken;
  private boolean websocketDeflate;
  private boolean httpGzip;
  private int httpGzipMinBytes;
  private String publicationIds;
  private boolean configWatch;
  private int configScanPeriodMillis;

  public OperationsOptions() {
    SETS.forEach(set -> set.reset(this));
  }

  public OperationsOptions(OperationsOptions o) {
    SETS.forEach(set -> set.copy(o, this));
  }

  /** Reads the five root objects (each may be null). */
  public OperationsOptions(JsonObject metrics, JsonObject dashboard, JsonObject compression, JsonObject ids, JsonObject config) {
    this();
    METRICS.read(this, metrics);
    DASHBOARD.read(this, dashboard);
    COMPRESSION.read(this, compression);
    IDS.read(this, ids);
    CONFIG.read(this, config);
  }

  public JsonObject metricsJson() {
    return METRICS.write(this);
  }

  public JsonObject dashboardJson() {
    return DASHBOARD.write(this);
  }

  public JsonObject compressionJson() {
    return COMPRESSION.write(this);
  }

  public JsonObject idsJson() {
    return IDS.write(this);
  }

  public JsonObject configJson() {
    return CONFIG.write(this);
  }

  /** Bearer token {@code GET /metrics} requires. Default none (open). */
  public String getMetricsToken() {
    return metricsToken;
  }

  public OperationsOptions setMetricsToken(String t) {
    this.metricsToken = METRICS_TOKEN.check(t);
    return this;
  }

  /** Token {@code /dashboard/data} requires as {@code ?token=}. Default none (open; figures only). */
  public String getDashboardToken() {
    return dashboardToken;
  }

  public OperationsOptions setDashboardToken(String t) {
    this.dashboardToken = DASHBOARD_TOKEN.check(t);
    return this;
  }

  /** WebSocket permessage-deflate offered to clients (restart to change). Default false. */
  public boolean isWebsocketDeflate() {
    return websocketDeflate;
  }

  public OperationsOptions setWebsocketDeflate(boolean v) {
    this.websocketDeflate = WEBSOCKET_DEFLATE.check(v);
    return this;
  }

  /** Gzip of HTTP API responses (also a run-time toggle). Default true. */
  public boolean isHttpGzip() {
    return httpGzip;
  }

  public OperationsOptions setHttpGzip(boolean v) {
    this.httpGzip = HTTP_GZIP.check(v);
    return this;
  }

  /** Smallest HTTP response body that is gzipped, bytes. Default 1024. */
  public int getHttpGzipMinBytes() {
    return httpGzipMinBytes;
  }

  public OperationsOptions setHttpGzipMinBytes(int v) {
    this.httpGzipMinBytes = HTTP_GZIP_MIN_BYTES.check(v);
    return this;
  }

  /** Strategy of publication ids: fast, secure or hybrid. Default hybrid (time-ordered). */
  public String getPublicationIds() {
    return publicationIds;
  }

  public OperationsOptions setPublicationIds(String s) {
    this.publicationIds = PUBLICATION_IDS.check(s);
    return this;
  }

  /** Watch the config file and apply edits while running. Default false. */
  public boolean isConfigWatch() {
    return configWatch;
  }

  public OperationsOptions setConfigWatch(boolean v) {
    this.configWatch = CONFIG_WATCH.check(v);
    return this;
  }

  /** How often the watched config file is checked, ms. Default 2000. */
  public int getConfigScanPeriodMillis() {
    return configScanPeriodMillis;
  }

  public OperationsOptions setConfigScanPeriodMillis(int v) {
    this.configScanPeriodMillis = CONFIG_SCAN_PERIOD_MILLIS.check(v);
    return this;
  }
}
