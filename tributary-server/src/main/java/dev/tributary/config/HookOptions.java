package dev.tributary.config;

import dev.tributary.config.Option.Reload;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URISyntaxException;

/**
 * One hook ({@code hooks.<kind>}, or {@code channels.namespaces.<name>.hooks.<kind>}): who decides,
 * a module on the event bus ({@code "module": true}) or an HTTP backend ({@code "url"}), exactly
 * one of the two, and how long it may take.
 */
public final class HookOptions {
  /** Default {@code timeoutMillis}: 1000 ms (Centrifugo's default proxy timeout is 1 s). */
  public static final int DEFAULT_TIMEOUT_MILLIS = 1000;

  static final OptionSet<HookOptions> OPTIONS = OptionSet.of("hooks.<kind>");
  private static final Option<HookOptions, String> URL = OPTIONS.strings("url", null, "absolute http:// or https:// URL",
      HookOptions::checkUrl, Reload.RESTART, o -> o.url, (o, v) -> o.url = v);
  private static final Option<HookOptions, Boolean> MODULE = OPTIONS.bools("module", false, Reload.RESTART,
      o -> o.module, (o, v) -> o.module = v);
  private static final Option<HookOptions, Integer> TIMEOUT_MILLIS = OPTIONS.ints("timeoutMillis",
      DEFAULT_TIMEOUT_MILLIS, 1, 60_000, Reload.RESTART, o -> o.timeoutMillis, (o, v) -> o.timeoutMillis = v);

  private String url;
  private boolean module;
  private int timeoutMillis;

  public HookOptions() {
    OPTIONS.reset(this);
  }

  public HookOptions(HookOptions o) {
    OPTIONS.copy(o, this);
  }

  /** Reads {@code json}, naming keys under {@code key} (e.g. {@code hooks.connect}). */
  public HookOptions(String key, JsonObject json) {
    this();
    OPTIONS.fields(this, json, key, true);
    if (module == (url != null)) {
      throw new ConfigException(key, "give either \"url\" (an HTTP backend) or \"module\": true (a module), exactly one");
    }
  }

  public JsonObject toJson() {
    return OPTIONS.write(this);
  }

  /** A hook answered by a module registered with {@code ModuleClient.hook}. */
  public static HookOptions module() {
    HookOptions o = new HookOptions();
    o.module = true;
    return o;
  }

  /** A hook answered by an HTTP backend at {@code url} ({@code http} or {@code https}, absolute). */
  public static HookOptions http(String url) {
    HookOptions o = new HookOptions();
    o.url = URL.check(url);
    return o;
  }

  /** The backend's URL, null for a module hook. */
  public String getUrl() {
    return url;
  }

  public boolean isModule() {
    return module;
  }

  /**
   * Milliseconds the module or backend has to answer; past it the client gets error 100
   * (temporary) and the late answer is dropped. Default {@value #DEFAULT_TIMEOUT_MILLIS}.
   */
  public int getTimeoutMillis() {
    return timeoutMillis;
  }

  public HookOptions setTimeoutMillis(int v) {
    this.timeoutMillis = TIMEOUT_MILLIS.check(v);
    return this;
  }

  private static String checkUrl(String key, String u) {
    if (u == null) {
      return null;
    }
    try {
      URI uri = new URI(u);
      String scheme = uri.getScheme();
      if (!"http".equals(scheme) && !"https".equals(scheme) || uri.getHost() == null) {
        throw new ConfigException(key, "must be an absolute http:// or https:// URL, got \"" + u + "\"");
      }
      return u;
    } catch (URISyntaxException e) {
      throw new ConfigException(key, "is not a URL: " + e.getMessage());
    }
  }
}
