package dev.tributary.config;

import io.vertx.core.json.JsonObject;
import java.util.Set;

/** {@code channels.namespaces.<name>.*}: options of channels named {@code <name>:rest}. */
public final class NamespaceOptions {
  private boolean allowClientPublish;
  private boolean stateOnSubscribe = true;

  public NamespaceOptions() {}

  public NamespaceOptions(NamespaceOptions o) {
    allowClientPublish = o.allowClientPublish;
    stateOnSubscribe = o.stateOnSubscribe;
  }

  public NamespaceOptions(String name, JsonObject json) {
    JsonFields f = new JsonFields(json, "channels.namespaces." + name);
    f.rejectUnknown(Set.of("allowClientPublish", "stateOnSubscribe"));
    allowClientPublish = f.boolValue("allowClientPublish", false);
    stateOnSubscribe = f.boolValue("stateOnSubscribe", true);
  }

  public JsonObject toJson() {
    return new JsonObject().put("allowClientPublish", allowClientPublish).put("stateOnSubscribe", stateOnSubscribe);
  }

  /** Clients may publish to this namespace's channels. Default false. */
  public boolean isAllowClientPublish() {
    return allowClientPublish;
  }

  public NamespaceOptions setAllowClientPublish(boolean v) {
    this.allowClientPublish = v;
    return this;
  }

  /**
   * A new subscriber first receives the current coordinated module state of the channel (from the
   * coordination cache). Default true.
   */
  public boolean isStateOnSubscribe() {
    return stateOnSubscribe;
  }

  public NamespaceOptions setStateOnSubscribe(boolean v) {
    this.stateOnSubscribe = v;
    return this;
  }
}
