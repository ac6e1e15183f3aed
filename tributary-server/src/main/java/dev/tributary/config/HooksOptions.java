package dev.tributary.config;

import dev.tributary.config.Option.Reload;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code hooks.*} (and, for the channel hooks, {@code channels.namespaces.<name>.hooks.*}):
 * connect, refresh, subscribe, publish, sub_refresh and rpc decisions asked of a module or an HTTP
 * backend (Centrifugo's "proxy"). A hook not configured is not asked. Read at start.
 */
public final class HooksOptions {
  /** The hooks of a connection, configured globally only. */
  public static final List<String> CONNECTION_HOOKS = List.of("connect", "refresh", "rpc");
  /** The hooks of a channel: global (top-level channels and namespaces without their own), or per namespace. */
  public static final List<String> CHANNEL_HOOKS = List.of("subscribe", "publish", "subRefresh");

  /** Default {@code httpHeaders}: the headers of the client's upgrade request Centrifugo forwards by default. */
  public static final List<String> DEFAULT_HTTP_HEADERS = List.of("Origin", "User-Agent", "Cookie", "Authorization",
      "X-Real-Ip", "X-Forwarded-For", "X-Request-Id");

  /** Default {@code maxResponseBytes}: 64 KiB. */
  public static final int DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024;

  static final OptionSet<HooksOptions> OPTIONS = OptionSet.of("hooks", "connect", "refresh", "subscribe", "publish",
      "subRefresh", "rpc");
  private static final Option<HooksOptions, Integer> MAX_RESPONSE_BYTES = OPTIONS.ints("maxResponseBytes",
      DEFAULT_MAX_RESPONSE_BYTES, 1024, 16 << 20, Reload.RESTART, o -> o.maxResponseBytes, (o, v) -> o.maxResponseBytes = v);
  static {
    OPTIONS.described("httpHeaders", Option.stringLists("header names"), DEFAULT_HTTP_HEADERS, Reload.RESTART);
  }

  private final Map<String, HookOptions> hooks = new LinkedHashMap<>();
  private List<String> httpHeaders = new ArrayList<>(DEFAULT_HTTP_HEADERS);
  private int maxResponseBytes;
  private final boolean namespace;

  /** The global section. */
  public HooksOptions() {
    this(false);
  }

  private HooksOptions(boolean namespace) {
    this.namespace = namespace;
    OPTIONS.reset(this);
  }

  /** A namespace's {@code hooks}: channel hooks only. */
  public static HooksOptions forNamespace() {
    return new HooksOptions(true);
  }

  public HooksOptions(HooksOptions o) {
    namespace = o.namespace;
    OPTIONS.copy(o, this);
    o.hooks.forEach((k, v) -> hooks.put(k, new HookOptions(v)));
    httpHeaders = new ArrayList<>(o.httpHeaders);
  }

  /** {@code key} is "hooks" or "channels.namespaces.NAME.hooks"; a namespace takes channel hooks only. */
  public HooksOptions(String key, JsonObject json, boolean namespace) {
    this(namespace);
    JsonFields f;
    if (namespace) {
      f = new JsonFields(json, key);
      f.rejectUnknown(Set.copyOf(CHANNEL_HOOKS));
    } else {
      f = OPTIONS.fields(this, json, key, true);
      JsonArray headers = f.array("httpHeaders");
      if (headers != null) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < headers.size(); i++) {
          Object h = headers.getValue(i);
          if (!(h instanceof String s) || !s.matches("[A-Za-z0-9!#$%&'*+.^_`|~-]+")) {
            throw new ConfigException(f.key("httpHeaders") + "[" + i + "]", "must be a header name, got " + JsonFields.describe(h));
          }
          names.add(s);
        }
        httpHeaders = names;
      }
    }
    for (String kind : namespace ? CHANNEL_HOOKS : allKinds()) {
      JsonObject h = f.object(kind);
      if (h != null) {
        hooks.put(kind, new HookOptions(f.key(kind), h));
      }
    }
  }

  private static List<String> allKinds() {
    List<String> all = new ArrayList<>(CONNECTION_HOOKS);
    all.addAll(CHANNEL_HOOKS);
    return all;
  }

  public JsonObject toJson() {
    JsonObject json = namespace ? new JsonObject()
        : OPTIONS.write(this).put("httpHeaders", new JsonArray(new ArrayList<>(httpHeaders)));
    hooks.forEach((k, v) -> json.put(k, v.toJson()));
    return json;
  }

  /**
   * The hook {@code kind} ({@code connect}, {@code refresh}, {@code subscribe}, {@code publish},
   * {@code subRefresh}, {@code rpc}), or null when not configured.
   */
  public HookOptions get(String kind) {
    return hooks.get(kind);
  }

  /** Sets (or with null removes) the hook {@code kind}. */
  public HooksOptions set(String kind, HookOptions hook) {
    boolean allowed = CHANNEL_HOOKS.contains(kind) || !namespace && CONNECTION_HOOKS.contains(kind);
    if (!allowed) {
      throw new ConfigException((namespace ? "channels.namespaces.<name>.hooks." : "hooks.") + kind, "is not a hook here");
    }
    if (hook == null) {
      hooks.remove(kind);
    } else {
      hooks.put(kind, hook);
    }
    return this;
  }

  /** Whether any hook here is an HTTP one (the client's headers are then kept for it). */
  public boolean anyHttp() {
    return hooks.values().stream().anyMatch(h -> !h.isModule());
  }

  /**
   * Headers of the client's WebSocket upgrade request forwarded to HTTP hooks (names,
   * case-insensitive). Default Origin, User-Agent, Cookie, Authorization, X-Real-Ip,
   * X-Forwarded-For, X-Request-Id.
   */
  public List<String> getHttpHeaders() {
    return httpHeaders;
  }

  public HooksOptions setHttpHeaders(List<String> v) {
    this.httpHeaders = new ArrayList<>(v);
    return this;
  }

  /**
   * Largest HTTP hook response body read, bytes; a larger one is a malformed answer (error 100).
   * Default {@value #DEFAULT_MAX_RESPONSE_BYTES}.
   */
  public int getMaxResponseBytes() {
    return maxResponseBytes;
  }

  public HooksOptions setMaxResponseBytes(int v) {
    this.maxResponseBytes = MAX_RESPONSE_BYTES.check(v);
    return this;
  }
}
