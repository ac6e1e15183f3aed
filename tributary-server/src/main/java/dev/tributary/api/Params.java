package dev.tributary.api;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The fields of one server API call, read strictly: a field the method does not know is refused
 * (400, 107, naming it), and so is a field of the wrong type. A field Centrifugo has and Tributary
 * does not implement is accepted only with its zero value (false, 0, "", null, {}, []) and refused
 * otherwise, so nothing asked for is silently ignored. JSON {@code null} is an absent field.
 */
final class Params {
  private final String method;
  private final JsonObject o;

  private Params(String method, JsonObject o) {
    this.method = method;
    this.o = o;
  }

  /**
   * @param known the fields the method takes
   * @param unsupported Centrifugo's fields of the method that Tributary does not implement
   */
  static Params of(String method, Object params, Set<String> known, Set<String> unsupported) {
    if (!(params instanceof JsonObject o)) {
      throw ApiError.badRequest("the params of " + method + " must be a JSON object");
    }
    for (String f : o.fieldNames()) {
      if (unsupported.contains(f)) {
        if (!isZero(o.getValue(f))) {
          throw ApiError.badRequest("field \"" + f + "\" of " + method + " is not supported by Tributary");
        }
      } else if (!known.contains(f)) {
        throw ApiError.badRequest("unknown field \"" + f + "\" in " + method);
      }
    }
    return new Params(method, o);
  }

  private static boolean isZero(Object v) {
    return v == null || Boolean.FALSE.equals(v) || (v instanceof Number n && n.doubleValue() == 0)
        || (v instanceof String s && s.isEmpty()) || (v instanceof JsonObject j && j.isEmpty())
        || (v instanceof JsonArray a && a.isEmpty());
  }

  private ApiError wrongType(String name, String what) {
    return ApiError.badRequest("field \"" + name + "\" of " + method + " must be " + what);
  }

  /** Whether the field is there at all, JSON null included (a publication's data may be null). */
  boolean present(String name) {
    return o.containsKey(name);
  }

  boolean has(String name) {
    return o.getValue(name) != null;
  }

  /** The field's raw JSON value (null: absent). */
  Object value(String name) {
    return o.getValue(name);
  }

  /** A string field; null when absent. */
  String string(String name) {
    Object v = o.getValue(name);
    if (v == null) {
      return null;
    }
    if (!(v instanceof String s)) {
      throw wrongType(name, "a string");
    }
    return s;
  }

  /** A string field that must be there and not empty. */
  String requiredString(String name) {
    String s = string(name);
    if (s == null || s.isEmpty()) {
      throw ApiError.badRequest("field \"" + name + "\" of " + method + " is required");
    }
    return s;
  }

  boolean bool(String name) {
    Object v = o.getValue(name);
    if (v == null) {
      return false;
    }
    if (!(v instanceof Boolean b)) {
      throw wrongType(name, "a boolean");
    }
    return b;
  }

  /** An integer field within [min, max]; {@code absent} when absent. */
  long integer(String name, long absent, long min, long max) {
    Object v = o.getValue(name);
    if (v == null) {
      return absent;
    }
    if (!(v instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())
        || n.doubleValue() < min || n.doubleValue() > max) {
      throw wrongType(name, "an integer from " + min + " to " + max);
    }
    return n.longValue();
  }

  /** An object field; null when absent. */
  JsonObject object(String name) {
    Object v = o.getValue(name);
    if (v == null) {
      return null;
    }
    if (!(v instanceof JsonObject j)) {
      throw wrongType(name, "a JSON object");
    }
    return j;
  }

  /** An array of strings; empty when absent. */
  List<String> strings(String name) {
    Object v = o.getValue(name);
    if (v == null) {
      return List.of();
    }
    if (!(v instanceof JsonArray a)) {
      throw wrongType(name, "an array of strings");
    }
    List<String> out = new ArrayList<>(a.size());
    for (Object item : a) {
      if (!(item instanceof String s)) {
        throw wrongType(name, "an array of strings");
      }
      out.add(s);
    }
    return out;
  }

  /** An object of string values (tags); null when absent or empty. */
  JsonObject stringMap(String name) {
    JsonObject j = object(name);
    if (j == null || j.isEmpty()) {
      return null;
    }
    for (Map.Entry<String, Object> e : j) {
      if (!(e.getValue() instanceof String)) {
        throw wrongType(name, "an object of string values");
      }
    }
    return j;
  }

  /** A nested object's fields, strictly as well. */
  Params nested(String name, Set<String> known) {
    JsonObject j = object(name);
    return j == null ? null : of(method + "." + name, j, known, Set.of());
  }
}
