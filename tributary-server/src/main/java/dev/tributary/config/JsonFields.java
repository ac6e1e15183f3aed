package dev.tributary.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Set;

/**
 * Strict, typed reading of one JSON object of the config file: every read names the full dotted
 * key, a wrong type or an out-of-range value throws {@link ConfigException}, and
 * {@link #rejectUnknown(Set)} refuses keys nobody reads (typos must not pass silently).
 */
final class JsonFields {
  private final JsonObject json;
  private final String prefix;

  JsonFields(JsonObject json, String prefix) {
    this.json = json == null ? new JsonObject() : json;
    this.prefix = prefix;
  }

  String key(String name) {
    return prefix.isEmpty() ? name : prefix + "." + name;
  }

  boolean containsKey(String name) {
    return json.containsKey(name);
  }

  boolean has(String name) {
    return json.containsKey(name) && json.getValue(name) != null;
  }

  int intValue(String name, int current, long min, long max) {
    if (!has(name)) {
      return current;
    }
    Object v = json.getValue(name);
    if (!(v instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())) {
      throw new ConfigException(key(name), "must be an integer, got " + describe(v));
    }
    return (int) Check.range(key(name), n.longValue(), min, max);
  }

  long longValue(String name, long current, long min, long max) {
    if (!has(name)) {
      return current;
    }
    Object v = json.getValue(name);
    if (!(v instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())) {
      throw new ConfigException(key(name), "must be an integer, got " + describe(v));
    }
    return Check.range(key(name), n.longValue(), min, max);
  }

  double doubleValue(String name, double current, double min, double max) {
    if (!has(name)) {
      return current;
    }
    Object v = json.getValue(name);
    if (!(v instanceof Number n)) {
      throw new ConfigException(key(name), "must be a number, got " + describe(v));
    }
    double d = n.doubleValue();
    if (!(d >= min && d <= max)) {
      throw new ConfigException(key(name), "must be between " + min + " and " + max + ", got " + d);
    }
    return d;
  }

  boolean boolValue(String name, boolean current) {
    if (!has(name)) {
      return current;
    }
    Object v = json.getValue(name);
    if (!(v instanceof Boolean b)) {
      throw new ConfigException(key(name), "must be true or false, got " + describe(v));
    }
    return b;
  }

  String stringValue(String name, String current) {
    if (!json.containsKey(name)) {
      return current;
    }
    Object v = json.getValue(name);
    if (v == null) {
      return null;
    }
    if (!(v instanceof String s)) {
      throw new ConfigException(key(name), "must be a string, got " + describe(v));
    }
    return s;
  }

  JsonObject object(String name) {
    if (!has(name)) {
      return null;
    }
    Object v = json.getValue(name);
    if (!(v instanceof JsonObject o)) {
      throw new ConfigException(key(name), "must be an object, got " + describe(v));
    }
    return o;
  }

  JsonArray array(String name) {
    if (!has(name)) {
      return null;
    }
    Object v = json.getValue(name);
    if (!(v instanceof JsonArray a)) {
      throw new ConfigException(key(name), "must be an array, got " + describe(v));
    }
    return a;
  }

  void rejectUnknown(Set<String> known) {
    for (String name : json.fieldNames()) {
      if (!known.contains(name)) {
        throw new ConfigException(key(name), "unknown key (known here: " + String.join(", ", known) + ")");
      }
    }
  }

  static String describe(Object v) {
    if (v == null) {
      return "null";
    }
    if (v instanceof String s) {
      return "\"" + s + "\"";
    }
    if (v instanceof JsonObject) {
      return "an object";
    }
    if (v instanceof JsonArray) {
      return "an array";
    }
    return String.valueOf(v);
  }
}
