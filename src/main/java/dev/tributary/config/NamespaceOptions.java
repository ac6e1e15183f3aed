package dev.tributary.config;

import io.vertx.core.json.JsonObject;
import java.util.Set;

/** {@code channels.namespaces.<name>.*}: options of channels named {@code <name>:rest}. */
public final class NamespaceOptions {
  private boolean allowClientPublish;
  private boolean stateOnSubscribe = true;
  private int historySize;
  private boolean presence;
  private boolean joinLeave;
  private int historyTtlSeconds = 300;

  public NamespaceOptions() {}

  public NamespaceOptions(NamespaceOptions o) {
    allowClientPublish = o.allowClientPublish;
    stateOnSubscribe = o.stateOnSubscribe;
    historySize = o.historySize;
    historyTtlSeconds = o.historyTtlSeconds;
    presence = o.presence;
    joinLeave = o.joinLeave;
  }

  public NamespaceOptions(String name, JsonObject json) {
    JsonFields f = new JsonFields(json, "channels.namespaces." + name);
    f.rejectUnknown(Set.of("allowClientPublish", "stateOnSubscribe", "historySize", "historyTtlSeconds",
        "presence", "joinLeave"));
    presence = f.boolValue("presence", false);
    joinLeave = f.boolValue("joinLeave", false);
    historySize = f.intValue("historySize", 0, 0, 1_000_000);
    historyTtlSeconds = f.intValue("historyTtlSeconds", 300, 1, 30 * 86_400);
    allowClientPublish = f.boolValue("allowClientPublish", false);
    stateOnSubscribe = f.boolValue("stateOnSubscribe", true);
  }

  public JsonObject toJson() {
    return new JsonObject().put("allowClientPublish", allowClientPublish).put("stateOnSubscribe", stateOnSubscribe)
        .put("historySize", historySize).put("historyTtlSeconds", historyTtlSeconds)
        .put("presence", presence).put("joinLeave", joinLeave);
  }

  /** Clients may publish to this namespace's channels. Default false. */
  public boolean isAllowClientPublish() {
    return allowClientPublish;
  }

  public NamespaceOptions setAllowClientPublish(boolean v) {
    this.allowClientPublish = v;
    return this;
  }

  /** Publications kept per channel for recovery and the history command; 0 = no history. Default 0. */
  public int getHistorySize() {
    return historySize;
  }

  public NamespaceOptions setHistorySize(int v) {
    this.historySize = Check.range("channels.namespaces.historySize", v, 0, 1_000_000);
    return this;
  }

  /** Presence information (presence, presence_stats) for this namespace's channels. Default false. */
  public boolean isPresence() {
    return presence;
  }

  public NamespaceOptions setPresence(boolean v) {
    this.presence = v;
    return this;
  }

  /** Join and leave pushes to subscribers (needs presence). Default false. */
  public boolean isJoinLeave() {
    return joinLeave;
  }

  public NamespaceOptions setJoinLeave(boolean v) {
    this.joinLeave = v;
    return this;
  }

  /** Longest a publication stays in history, seconds. Default 300. */
  public int getHistoryTtlSeconds() {
    return historyTtlSeconds;
  }

  public NamespaceOptions setHistoryTtlSeconds(int v) {
    this.historyTtlSeconds = Check.range("channels.namespaces.historyTtlSeconds", v, 1, 30 * 86_400);
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
