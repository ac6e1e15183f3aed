package dev.tributary.config;

import io.vertx.core.json.JsonObject;
import java.util.Set;

/** One entry of {@code modules}: a module verticle deployed at start. */
public final class ModuleOptions {
  private final String className;
  private final int instances;
  private final JsonObject config;

  public ModuleOptions(String className, int instances, JsonObject config) {
    this.className = className;
    this.instances = instances;
    this.config = config == null ? new JsonObject() : config;
  }

  ModuleOptions(int index, JsonObject json) {
    String prefix = "modules[" + index + "]";
    JsonFields f = new JsonFields(json, prefix);
    f.rejectUnknown(Set.of("class", "instances", "config"));
    String cls = f.stringValue("class", null);
    if (cls == null || cls.isBlank()) {
      throw new ConfigException(prefix + ".class", "is required (a Verticle class name)");
    }
    try {
      Class<?> c = Class.forName(cls);
      if (!io.vertx.core.Deployable.class.isAssignableFrom(c) && !io.vertx.core.Verticle.class.isAssignableFrom(c)) {
        throw new ConfigException(prefix + ".class", cls + " is not a Vert.x verticle");
      }
    } catch (ClassNotFoundException e) {
      throw new ConfigException(prefix + ".class", "class not found: " + cls
          + " (put its jar in a folder given to scripts/run --module-path DIR, or add it with scripts/run --classpath my.jar"
          + " or TRIBUTARY_CLASSPATH=my.jar; in Docker, mount it under /modules)");
    }
    this.className = cls;
    this.instances = f.intValue("instances", 1, 1, 1024);
    JsonObject cfg = f.object("config");
    this.config = cfg == null ? new JsonObject() : cfg;
  }

  public JsonObject toJson() {
    return new JsonObject().put("class", className).put("instances", instances).put("config", config);
  }

  public String getClassName() {
    return className;
  }

  public int getInstances() {
    return instances;
  }

  public JsonObject getConfig() {
    return config;
  }
}
