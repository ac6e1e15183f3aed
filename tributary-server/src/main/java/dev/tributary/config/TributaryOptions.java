package dev.tributary.config;

import io.vertx.core.json.JsonObject;
import java.util.Set;

/** The whole configuration: one JSON file, see docs/CONFIGURATION.md. */
public final class TributaryOptions {
  private ServerOptions server = new ServerOptions();
  private HttpOptions http = new HttpOptions();
  private ApiOptions api = new ApiOptions();
  private AuthOptions auth = new AuthOptions();
  private GatewayOptions gateway = new GatewayOptions();
  private ChannelsOptions channels = new ChannelsOptions();
  private CoordinatorOptions coordinator = new CoordinatorOptions();
  private MemoryOptions memory = new MemoryOptions();
  private OperationsOptions operations = new OperationsOptions();
  private RedisOptions redis = new RedisOptions();
  private RpcOptions rpc = new RpcOptions();
  private PusherOptions pusher = new PusherOptions();
  private HooksOptions hooks = new HooksOptions();
  private java.util.List<ModuleOptions> modules = new java.util.ArrayList<>();

  public TributaryOptions() {}

  public TributaryOptions(TributaryOptions o) {
    server = new ServerOptions(o.server);
    http = new HttpOptions(o.http);
    api = new ApiOptions(o.api);
    auth = new AuthOptions(o.auth);
    gateway = new GatewayOptions(o.gateway);
    channels = new ChannelsOptions(o.channels);
    coordinator = new CoordinatorOptions(o.coordinator);
    memory = new MemoryOptions(o.memory);
    operations = new OperationsOptions(o.operations);
    redis = new RedisOptions(o.redis);
    rpc = new RpcOptions(o.rpc);
    pusher = new PusherOptions(o.pusher);
    hooks = new HooksOptions(o.hooks);
    modules = new java.util.ArrayList<>(o.modules);
  }

  /** Reads and validates; throws {@link ConfigException} naming the first bad key. */
  public TributaryOptions(JsonObject json) {
    JsonFields f = new JsonFields(json, "");
    f.rejectUnknown(Set.of("server", "http", "api", "auth", "gateway", "channels", "coordinator", "memory", "modules",
        "metrics", "dashboard", "compression", "ids", "config", "redis", "rpc", "pusher", "hooks"));
    server = new ServerOptions(f.object("server"));
    http = new HttpOptions(f.object("http"));
    api = new ApiOptions(f.object("api"));
    auth = new AuthOptions(f.object("auth"));
    gateway = new GatewayOptions(f.object("gateway"));
    channels = new ChannelsOptions(f.object("channels"));
    coordinator = new CoordinatorOptions(f.object("coordinator"));
    memory = new MemoryOptions(f.object("memory"));
    redis = new RedisOptions(f.object("redis"));
    rpc = new RpcOptions(f.object("rpc"));
    pusher = new PusherOptions(f.object("pusher"));
    JsonObject h = f.object("hooks");
    if (h != null) {
      hooks = new HooksOptions("hooks", h, false);
    }
    operations = new OperationsOptions(f.object("metrics"), f.object("dashboard"), f.object("compression"),
        f.object("ids"), f.object("config"));
    io.vertx.core.json.JsonArray mods = f.array("modules");
    if (mods != null) {
      for (int i = 0; i < mods.size(); i++) {
        Object m = mods.getValue(i);
        if (!(m instanceof JsonObject mo)) {
          throw new ConfigException("modules[" + i + "]", "must be an object");
        }
        modules.add(new ModuleOptions(i, mo));
      }
    }
    validateSizes();
    for (int i = 0; i < pusher.getApps().size(); i++) {
      String ns = pusher.getApps().get(i).getNamespace();
      if (ns != null && !channels.getNamespaces().containsKey(ns)) {
        throw new ConfigException("pusher.apps[" + i + "].namespace", "no namespace \"" + ns + "\" in channels.namespaces");
      }
    }
    if (auth.getTokenHmacSecret() == null) {
      channels.getNamespaces().forEach((name, ns) -> {
        if (ns.isSubscribeTokenRequired()) {
          throw new ConfigException("channels.namespaces." + name + ".subscribeToken",
              "\"required\" needs auth.tokenHmacSecret (tokens are verified with it)");
        }
      });
    }
  }

  /**
   * Sizes must agree: a publication larger than a subscriber's whole queue could never be
   * delivered (every subscriber would be closed with 3008), so an explicit
   * {@code channels.maxPublicationBytes} above {@code gateway.maxQueueBytes} is refused.
   */
  public void validateSizes() {
    int max = channels.getMaxPublicationBytes();
    if (max > gateway.getMaxQueueBytes()) {
      throw new ConfigException("channels.maxPublicationBytes", max + " is larger than gateway.maxQueueBytes ("
          + gateway.getMaxQueueBytes() + "): no subscriber queue could hold such a publication; lower "
          + "channels.maxPublicationBytes or raise gateway.maxQueueBytes (at least 4x is advised)");
    }
  }

  /**
   * The publication size bound in force: {@code channels.maxPublicationBytes}, or when 0 a quarter
   * of {@code gateway.maxQueueBytes} capped by {@code http.maxBodyBytes}.
   */
  public int effectiveMaxPublicationBytes() {
    int max = channels.getMaxPublicationBytes();
    return max > 0 ? max : Math.min(gateway.getMaxQueueBytes() / 4, http.getMaxBodyBytes());
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("server", server.toJson())
        .put("http", http.toJson())
        .put("api", api.toJson())
        .put("auth", auth.toJson())
        .put("gateway", gateway.toJson())
        .put("channels", channels.toJson())
        .put("coordinator", coordinator.toJson())
        .put("memory", memory.toJson())
        .put("metrics", operations.metricsJson())
        .put("dashboard", operations.dashboardJson())
        .put("compression", operations.compressionJson())
        .put("ids", operations.idsJson())
        .put("config", operations.configJson())
        .put("redis", redis.toJson())
        .put("rpc", rpc.toJson())
        .put("pusher", pusher.toJson())
        .put("hooks", hooks.toJson())
        .put("modules", new io.vertx.core.json.JsonArray(modules.stream().map(ModuleOptions::toJson).toList()));
  }

  public ServerOptions getServer() {
    return server;
  }

  public HttpOptions getHttp() {
    return http;
  }

  public ApiOptions getApi() {
    return api;
  }

  public AuthOptions getAuth() {
    return auth;
  }

  public GatewayOptions getGateway() {
    return gateway;
  }

  public ChannelsOptions getChannels() {
    return channels;
  }

  public CoordinatorOptions getCoordinator() {
    return coordinator;
  }

  public MemoryOptions getMemory() {
    return memory;
  }

  public RedisOptions getRedis() {
    return redis;
  }

  public RpcOptions getRpc() {
    return rpc;
  }

  /** Pusher apps (protocol 7 and HTTP API). */
  public PusherOptions getPusher() {
    return pusher;
  }

  /** Connect, refresh, subscribe, publish, sub_refresh and rpc hooks (see docs/CONFIGURATION.md). */
  public HooksOptions getHooks() {
    return hooks;
  }

  /** metrics, dashboard, compression, ids and config-watch settings. */
  public OperationsOptions getOperations() {
    return operations;
  }

  /** Module verticles deployed at start. Default none. */
  public java.util.List<ModuleOptions> getModules() {
    return modules;
  }
}
