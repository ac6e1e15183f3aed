package dev.tributary.config;

import io.vertx.core.json.JsonObject;
import java.util.Set;

/** {@code channels.namespaces.<name>.*}: options of channels named {@code <name>:rest}. */
public final class NamespaceOptions {
  private boolean allowClientPublish;

  public NamespaceOptions() {}

  public NamespaceOptions(NamespaceOptions o) {
    allowClientPublish = o.allowClientPublish;
  }

  public NamespaceOptions(String name, JsonObject json) {
    JsonFields f = new JsonFields(json, "channels.namespaces." + name);
    f.rejectUnknown(Set.of("allowClientPublish"));
    allowClientPublish = f.boolValue("allowClientPublish", false);
  }

  public JsonObject toJson() {
    return new JsonObject().put("allowClientPublish", allowClientPublish);
  }

  /** Clients may publish to this namespace's channels. Default false. */
  public boolean isAllowClientPublish() {
    return allowClientPublish;
  }

  public NamespaceOptions setAllowClientPublish(boolean v) {
    this.allowClientPublish = v;
    return this;
  }
}
