package dev.tributary.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** {@code pusher.*}: the Pusher Channels protocol 7 and HTTP API, per app (see docs/CONFIGURATION.md). */
public final class PusherOptions {
  private final List<PusherAppOptions> apps = new ArrayList<>();

  public PusherOptions() {}

  public PusherOptions(PusherOptions o) {
    apps.addAll(o.apps);
  }

  public PusherOptions(JsonObject json) {
    JsonFields f = new JsonFields(json, "pusher");
    f.rejectUnknown(Set.of("apps"));
    JsonArray a = f.array("apps");
    if (a == null) {
      return;
    }
    Set<String> ids = new HashSet<>();
    Set<String> keys = new HashSet<>();
    for (int i = 0; i < a.size(); i++) {
      String prefix = "pusher.apps[" + i + "]";
      if (!(a.getValue(i) instanceof JsonObject o)) {
        throw new ConfigException(prefix, "must be an object");
      }
      PusherAppOptions app = new PusherAppOptions(o, prefix);
      if (!ids.add(app.getId())) {
        throw new ConfigException(prefix + ".id", "duplicate app id " + app.getId());
      }
      if (!keys.add(app.getKey())) {
        throw new ConfigException(prefix + ".key", "duplicate app key " + app.getKey());
      }
      apps.add(app);
    }
  }

  public JsonObject toJson() {
    return new JsonObject().put("apps", new JsonArray(apps.stream().map(PusherAppOptions::toJson).toList()));
  }

  /** The apps. Default none: then {@code /app/*} and {@code /apps/*} are not served. */
  public List<PusherAppOptions> getApps() {
    return apps;
  }

  public PusherOptions addApp(PusherAppOptions app) {
    apps.add(app);
    return this;
  }
}
