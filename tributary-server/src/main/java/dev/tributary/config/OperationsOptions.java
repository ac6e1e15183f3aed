package dev.tributary.config;

import io.vertx.core.json.JsonObject;
import java.util.Locale;
import java.util.Set;

/**
 * Operator-facing settings, one small JSON object each: {@code metrics.*}, {@code dashboard.*},
 * {@code compression.*}, {@code ids.*}, {@code config.*}.
 */
public final class OperationsOptions {
  /** Default {@code compression.httpMinBytes}: HTTP API responses from 1 KiB are gzipped when the client accepts it. */
  public static final int DEFAULT_HTTP_GZIP_MIN_BYTES = 1024;
  /** Default {@code config.scanPeriodMillis}: 2 s. */
  public static final int DEFAULT_SCAN_PERIOD_MILLIS = 2000;

  private String metricsToken;
  private String dashboardToken;
  private boolean websocketDeflate;
  private boolean httpGzip = true;
  private int httpGzipMinBytes = DEFAULT_HTTP_GZIP_MIN_BYTES;
  private String publicationIds = "hybrid";
  private boolean configWatch;
  private int configScanPeriodMillis = DEFAULT_SCAN_PERIOD_MILLIS;

  public OperationsOptions() {}

  public OperationsOptions(OperationsOptions o) {
    metricsToken = o.metricsToken;
    dashboardToken = o.dashboardToken;
    websocketDeflate = o.websocketDeflate;
    httpGzip = o.httpGzip;
    httpGzipMinBytes = o.httpGzipMinBytes;
    publicationIds = o.publicationIds;
    configWatch = o.configWatch;
    configScanPeriodMillis = o.configScanPeriodMillis;
  }

  /** Reads the five root objects (each may be null). */
  public OperationsOptions(JsonObject metrics, JsonObject dashboard, JsonObject compression, JsonObject ids, JsonObject config) {
    JsonFields m = new JsonFields(metrics, "metrics");
    m.rejectUnknown(Set.of("token"));
    metricsToken = emptyToNull("metrics.token", m.stringValue("token", null));
    JsonFields d = new JsonFields(dashboard, "dashboard");
    d.rejectUnknown(Set.of("token"));
    dashboardToken = emptyToNull("dashboard.token", d.stringValue("token", null));
    JsonFields c = new JsonFields(compression, "compression");
    c.rejectUnknown(Set.of("websocket", "http", "httpMinBytes"));
    websocketDeflate = c.boolValue("websocket", false);
    httpGzip = c.boolValue("http", true);
    httpGzipMinBytes = c.intValue("httpMinBytes", httpGzipMinBytes, 0, Integer.MAX_VALUE);
    JsonFields i = new JsonFields(ids, "ids");
    i.rejectUnknown(Set.of("publicationIds"));
    setPublicationIds(i.stringValue("publicationIds", publicationIds));
    JsonFields w = new JsonFields(config, "config");
    w.rejectUnknown(Set.of("watch", "scanPeriodMillis"));
    configWatch = w.boolValue("watch", false);
    configScanPeriodMillis = w.intValue("scanPeriodMillis", configScanPeriodMillis, 100, 3_600_000);
  }

  private static String emptyToNull(String key, String v) {
    if (v != null && v.isEmpty()) {
      throw new ConfigException(key, "must not be empty (omit it for none)");
    }
    return v;
  }

  public JsonObject metricsJson() {
    return new JsonObject().put("token", metricsToken);
  }

  public JsonObject dashboardJson() {
    return new JsonObject().put("token", dashboardToken);
  }

  public JsonObject compressionJson() {
    return new JsonObject().put("websocket", websocketDeflate).put("http", httpGzip).put("httpMinBytes", httpGzipMinBytes);
  }

  public JsonObject idsJson() {
    return new JsonObject().put("publicationIds", publicationIds);
  }

  public JsonObject configJson() {
    return new JsonObject().put("watch", configWatch).put("scanPeriodMillis", configScanPeriodMillis);
  }

  /** Bearer token {@code GET /metrics} requires. Default none (open). */
  public String getMetricsToken() {
    return metricsToken;
  }

  public OperationsOptions setMetricsToken(String t) {
    this.metricsToken = emptyToNull("metrics.token", t);
    return this;
  }

  /** Token {@code /dashboard/data} requires as {@code ?token=}. Default none (open; figures only). */
  public String getDashboardToken() {
    return dashboardToken;
  }

  public OperationsOptions setDashboardToken(String t) {
    this.dashboardToken = emptyToNull("dashboard.token", t);
    return this;
  }

  /** WebSocket permessage-deflate offered to clients (restart to change). Default false. */
  public boolean isWebsocketDeflate() {
    return websocketDeflate;
  }

  public OperationsOptions setWebsocketDeflate(boolean v) {
    this.websocketDeflate = v;
    return this;
  }

  /** Gzip of HTTP API responses (also a run-time toggle). Default true. */
  public boolean isHttpGzip() {
    return httpGzip;
  }

  public OperationsOptions setHttpGzip(boolean v) {
    this.httpGzip = v;
    return this;
  }

  /** Smallest HTTP response body that is gzipped, bytes. Default 1024. */
  public int getHttpGzipMinBytes() {
    return httpGzipMinBytes;
  }

  public OperationsOptions setHttpGzipMinBytes(int v) {
    this.httpGzipMinBytes = Check.range("compression.httpMinBytes", v, 0, Integer.MAX_VALUE);
    return this;
  }

  /** Strategy of publication ids: fast, secure or hybrid. Default hybrid (time-ordered). */
  public String getPublicationIds() {
    return publicationIds;
  }

  public OperationsOptions setPublicationIds(String s) {
    String v = s == null ? "" : s.toLowerCase(Locale.ROOT);
    if (!Set.of("fast", "secure", "hybrid").contains(v)) {
      throw new ConfigException("ids.publicationIds", "must be fast, secure or hybrid, got \"" + s + "\"");
    }
    this.publicationIds = v;
    return this;
  }

  /** Watch the config file and apply edits while running. Default false. */
  public boolean isConfigWatch() {
    return configWatch;
  }

  public OperationsOptions setConfigWatch(boolean v) {
    this.configWatch = v;
    return this;
  }

  /** How often the watched config file is checked, ms. Default 2000. */
  public int getConfigScanPeriodMillis() {
    return configScanPeriodMillis;
  }

  public OperationsOptions setConfigScanPeriodMillis(int v) {
    this.configScanPeriodMillis = Check.range("config.scanPeriodMillis", v, 100, 3_600_000);
    return this;
  }
}
