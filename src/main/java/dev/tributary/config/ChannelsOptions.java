package dev.tributary.config;

import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code channels.*}: channel rules. A channel {@code name:rest} belongs to namespace
 * {@code name}, which must be configured; a channel without {@code :} uses the top-level rules.
 */
public final class ChannelsOptions {
  private static final Pattern NAMESPACE = Pattern.compile("[A-Za-z0-9_.\\-]+");

  private boolean allowClientPublish;
  private Map<String, NamespaceOptions> namespaces = new LinkedHashMap<>();

  public ChannelsOptions() {}

  public ChannelsOptions(ChannelsOptions o) {
    allowClientPublish = o.allowClientPublish;
    o.namespaces.forEach((k, v) -> namespaces.put(k, new NamespaceOptions(v)));
  }

  public ChannelsOptions(JsonObject json) {
    JsonFields f = new JsonFields(json, "channels");
    f.rejectUnknown(Set.of("allowClientPublish", "namespaces"));
    allowClientPublish = f.boolValue("allowClientPublish", false);
    JsonObject ns = f.object("namespaces");
    if (ns != null) {
      JsonFields nf = new JsonFields(ns, "channels.namespaces");
      for (String name : ns.fieldNames()) {
        if (!NAMESPACE.matcher(name).matches()) {
          throw new ConfigException("channels.namespaces." + name, "namespace names use letters, digits, '_', '-', '.'");
        }
        namespaces.put(name, new NamespaceOptions(name, nf.object(name)));
      }
    }
  }

  public JsonObject toJson() {
    JsonObject ns = new JsonObject();
    namespaces.forEach((k, v) -> ns.put(k, v.toJson()));
    return new JsonObject().put("allowClientPublish", allowClientPublish).put("namespaces", ns);
  }

  /** Clients may publish to channels without a namespace. Default false. */
  public boolean isAllowClientPublish() {
    return allowClientPublish;
  }

  public ChannelsOptions setAllowClientPublish(boolean v) {
    this.allowClientPublish = v;
    return this;
  }

  /** Configured namespaces by name. Default none. */
  public Map<String, NamespaceOptions> getNamespaces() {
    return namespaces;
  }

  public ChannelsOptions putNamespace(String name, NamespaceOptions options) {
    namespaces.put(name, options);
    return this;
  }
}
