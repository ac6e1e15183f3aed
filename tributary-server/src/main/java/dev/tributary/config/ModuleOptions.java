package dev.tributary.config;

import dev.tributary.config.Option.Reload;
import io.vertx.core.json.JsonObject;

/** One entry of {@code modules}: a module verticle deployed at start. */
public final class ModuleOptions {
  static final OptionSet<ModuleOptions> OPTIONS = OptionSet.of("modules[i]");
  private static final Option<ModuleOptions, String> CLASS = OPTIONS.strings("class", null, "required",
      ModuleOptions::checkClass, Reload.RESTART, o -> o.className, (o, v) -> o.className = v);
  private static final Option<ModuleOptions, Integer> INSTANCES = OPTIONS.ints("instances", 1, 1, 1024,
      Reload.RESTART, o -> o.instances, (o, v) -> o.instances = v);
  private static final Option<ModuleOptions, JsonObject> CONFIG = OPTIONS.objects("config", Reload.RESTART,
      o -> o.config, (o, v) -> o.config = v);

  private String className;
  private int instances;
  private JsonObject config;

  public ModuleOptions(String className, int instances, JsonObject config) {
    this.className = className;
    this.instances = INSTANCES.check(instances);
    this.config = CONFIG.check(config);
  }

  ModuleOptions(int index, JsonObject json) {
    OPTIONS.reset(this);
    OPTIONS.fields(this, json, "modules[" + index + "]", true);
    if (className == null) {
      checkClass("modules[" + index + "].class", null);
    }
  }

  /** A Vert.x verticle class on the classpath. */
  private static String checkClass(String key, String cls) {
    if (cls == null || cls.isBlank()) {
      throw new ConfigException(key, "is required (a Verticle class name)");
    }
    try {
      Class<?> c = Class.forName(cls);
      if (!io.vertx.core.Deployable.class.isAssignableFrom(c) && !io.vertx.core.Verticle.class.isAssignableFrom(c)) {
        throw new ConfigException(key, cls + " is not a Vert.x verticle");
      }
    } catch (ClassNotFoundException e) {
      throw new ConfigException(key, "class not found: " + cls
          + " (put its jar in a folder given to scripts/run --module-path DIR, or add it with scripts/run --classpath my.jar"
          + " or TRIBUTARY_CLASSPATH=my.jar; in Docker, mount it under /modules)");
    }
    return cls;
  }

  public JsonObject toJson() {
    return OPTIONS.write(this);
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
