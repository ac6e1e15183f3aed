package dev.tributary.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * One config option, described once: its key, type, default, range and whether a reload applies it
 * while running. The JSON reader, the setter's validation, {@code toJson}, the copy constructor,
 * the reload ({@code ops/ConfigWatcher}) and the tables in docs/CONFIGURATION.md are all derived
 * from it. An option belongs to the {@link OptionSet} of one JSON object (e.g. {@code gateway}).
 *
 * @param <O> the {@code *Options} class holding the value
 * @param <T> the value's type ({@code Integer}, {@code Long}, {@code Double}, {@code Boolean},
 *     {@code String}, {@code JsonObject}, {@code List<String>})
 */
public final class Option<O, T> {
  /** What a config reload ({@code config.watch}) does with a changed value. */
  public enum Reload {
    /** Applied at once. */
    LIVE("live"),
    /** Applied to connections opened from then on; open ones keep what they started with. */
    NEW_CONNECTIONS("live, new connections"),
    /** Reported as needing a restart; the running value stays. */
    RESTART("restart");

    private final String doc;

    Reload(String doc) {
      this.doc = doc;
    }

    /** The text of the docs' reload column. */
    public String doc() {
      return doc;
    }

    public boolean isLive() {
      return this != RESTART;
    }
  }

  private final OptionSet<O> set;
  private final String name;
  private final Kind<T> kind;
  private final T defaultValue;
  private final Reload reload;
  private final Function<O, T> getter;
  private final BiConsumer<O, T> setter;

  Option(OptionSet<O> set, String name, Kind<T> kind, T defaultValue, Reload reload, Function<O, T> getter,
      BiConsumer<O, T> setter) {
    this.set = set;
    this.name = name;
    this.kind = kind;
    this.defaultValue = defaultValue;
    this.reload = reload;
    this.getter = getter;
    this.setter = setter;
  }

  /** The JSON field name inside its object, e.g. {@code maxConnections}. */
  public String name() {
    return name;
  }

  /** The full dotted key, e.g. {@code gateway.maxConnections}. */
  public String key() {
    return set.prefix() + "." + name;
  }

  public T defaultValue() {
    return defaultValue;
  }

  public Reload reload() {
    return reload;
  }

  /** Type as the docs name it: int, number, bool, string, object, array. */
  public String type() {
    return kind.type;
  }

  /** Range and unit as the docs show them (empty when there is nothing to say). */
  public String range() {
    return kind.range(unit(name));
  }

  /** The default as the docs show it. */
  public String defaultText() {
    return kind.show(defaultValue);
  }

  /** Validates {@code value} for the setter: throws {@link ConfigException} naming {@link #key()}. */
  public T check(T value) {
    return kind.check(key(), value);
  }

  /** Whether a value is read and written by the generic code (false: the class reads it itself). */
  boolean generic() {
    return getter != null;
  }

  void reset(O target) {
    if (generic()) {
      setter.accept(target, kind.fresh(defaultValue));
    }
  }

  void read(O target, JsonFields f) {
    if (generic() && kind.present(f, name)) {
      setter.accept(target, kind.read(f, name));
    }
  }

  void write(O source, JsonObject json) {
    if (generic()) {
      json.put(name, kind.toJson(getter.apply(source)));
    }
  }

  void copy(O from, O to) {
    if (generic()) {
      setter.accept(to, getter.apply(from));
    }
  }

  /** The unit a name states by its suffix (the project's naming rule: units in names). */
  static String unit(String name) {
    if (name.endsWith("Millis")) {
      return "ms";
    }
    if (name.endsWith("Seconds")) {
      return "seconds";
    }
    if (name.endsWith("Bytes")) {
      return "bytes";
    }
    return "";
  }

  /** A value type: how it is read from JSON, checked, written and shown in the docs. */
  abstract static class Kind<T> {
    final String type;

    Kind(String type) {
      this.type = type;
    }

    /** Whether the object sets the field (an explicit null counts only for strings: "none"). */
    boolean present(JsonFields f, String name) {
      return f.has(name);
    }

    /** Reads a present field; type and range errors name {@code f.key(name)}. */
    abstract T read(JsonFields f, String name);

    T check(String key, T value) {
      return value;
    }

    /** The default as a new value (mutable kinds copy it: instances share nothing). */
    T fresh(T value) {
      return value;
    }

    Object toJson(T value) {
      return value;
    }

    String range(String unit) {
      return unit;
    }

    String show(T value) {
      return value == null ? "none" : "`" + value + "`";
    }
  }

  static Kind<Integer> ints(int min, int max) {
    return new Kind<>("int") {
      @Override
      Integer read(JsonFields f, String name) {
        return f.intValue(name, 0, min, max);
      }

      @Override
      Integer check(String key, Integer v) {
        Check.range(key, v, min, max);
        return v;
      }

      @Override
      String range(String unit) {
        return rangeText(min, max, unit);
      }
    };
  }

  static Kind<Long> longs(long min, long max) {
    return new Kind<>("int") {
      @Override
      Long read(JsonFields f, String name) {
        return f.longValue(name, 0, min, max);
      }

      @Override
      Long check(String key, Long v) {
        Check.range(key, v, min, max);
        return v;
      }

      @Override
      String range(String unit) {
        return rangeText(min, max, unit);
      }
    };
  }

  /** A JSON number at least {@code min} ({@code exclusive}: above it), no upper bound. */
  static Kind<Double> numbers(double min, boolean exclusive) {
    return new Kind<>("number") {
      @Override
      Double read(JsonFields f, String name) {
        return check(f.key(name), f.doubleValue(name, 0, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY));
      }

      @Override
      Double check(String key, Double v) {
        if (!(exclusive ? v > min : v >= min)) {
          throw new ConfigException(key, "must be " + (exclusive ? "> " : ">= ") + number(min) + ", got " + v);
        }
        return v;
      }

      @Override
      String range(String unit) {
        return (exclusive ? "> " : "≥ ") + number(min);
      }
    };
  }

  static Kind<Boolean> bools() {
    return new Kind<>("bool") {
      @Override
      Boolean read(JsonFields f, String name) {
        return f.boolValue(name, false);
      }

      @Override
      String range(String unit) {
        return "";
      }
    };
  }

  /** A string checked by {@code rule} ({@code range}: what the docs say it may be). */
  static Kind<String> strings(String range, Rule rule) {
    return new Kind<>("string") {
      @Override
      boolean present(JsonFields f, String name) {
        return f.containsKey(name);
      }

      @Override
      String read(JsonFields f, String name) {
        return check(f.key(name), f.stringValue(name, null));
      }

      @Override
      String check(String key, String v) {
        return rule.check(key, v);
      }

      @Override
      String range(String unit) {
        return range;
      }

      @Override
      String show(String value) {
        return value == null ? "none" : "`\"" + value + "\"`";
      }
    };
  }

  /** A check of a string value; returns the value to keep (it may normalise it). */
  @FunctionalInterface
  public interface Rule {
    String check(String key, String value);
  }

  /**
   * One of {@code values} (compared after {@code fold}); {@code quoted}: the error message quotes
   * them, as JSON strings.
   */
  static Kind<String> choice(Function<String, String> fold, boolean quoted, String... values) {
    List<String> allowed = List.of(values);
    return strings(String.join(", ", allowed), (key, v) -> {
      String folded = v == null ? null : fold.apply(v);
      if (!allowed.contains(folded)) {
        List<String> shown = new ArrayList<>();
        for (String a : allowed) {
          shown.add(quoted ? "\"" + a + "\"" : a);
        }
        String list = String.join(", ", shown.subList(0, shown.size() - 1)) + " or " + shown.get(shown.size() - 1);
        throw new ConfigException(key, "must be " + list + ", got " + JsonFields.describe(v));
      }
      return folded;
    });
  }

  static Function<String, String> upper() {
    return s -> s.toUpperCase(Locale.ROOT);
  }

  static Function<String, String> lower() {
    return s -> s.toLowerCase(Locale.ROOT);
  }

  static Function<String, String> exact() {
    return s -> s;
  }

  /** A JSON object, passed on as it is (a copy). */
  static Kind<JsonObject> objects() {
    return new Kind<>("object") {
      @Override
      JsonObject read(JsonFields f, String name) {
        return f.object(name).copy();
      }

      @Override
      JsonObject check(String key, JsonObject v) {
        return v == null ? new JsonObject() : v.copy();
      }

      @Override
      JsonObject fresh(JsonObject v) {
        return v.copy();
      }

      @Override
      String show(JsonObject value) {
        return "`" + value.encode() + "`";
      }
    };
  }

  /** A list of strings (read by its class; described here for the docs and the reload). */
  static Kind<List<String>> stringLists(String range) {
    return new Kind<>("array") {
      @Override
      List<String> read(JsonFields f, String name) {
        JsonArray a = f.array(name);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < a.size(); i++) {
          out.add(Objects.toString(a.getValue(i)));
        }
        return out;
      }

      @Override
      List<String> fresh(List<String> v) {
        return new ArrayList<>(v);
      }

      @Override
      Object toJson(List<String> value) {
        return new JsonArray(new ArrayList<>(value));
      }

      @Override
      String range(String unit) {
        return range;
      }

      @Override
      String show(List<String> value) {
        return value.isEmpty() ? "none" : "`" + new JsonArray(value).encode() + "`";
      }
    };
  }

  static String rangeText(long min, long max, String unit) {
    String hi = max == Integer.MAX_VALUE || max == Long.MAX_VALUE ? null : amount(max, unit);
    String r = hi == null ? "≥ " + amount(min, unit) : amount(min, unit) + "–" + hi;
    return unit.isEmpty() ? r : unit + ", " + r;
  }

  /** A bound as the docs write it: thousands separated; bytes in KiB/MiB/GiB/TiB when exact. */
  private static String amount(long v, String unit) {
    if (unit.equals("bytes") && v >= 1024) {
      String[] units = {"KiB", "MiB", "GiB", "TiB"};
      long u = v;
      int i = -1;
      while (u % 1024 == 0 && u >= 1024 && i < units.length - 1) {
        u /= 1024;
        i++;
      }
      if (i >= 0) {
        return String.format(Locale.ROOT, "%,d", u) + " " + units[i];
      }
    }
    return String.format(Locale.ROOT, "%,d", v);
  }

  private static String number(double v) {
    return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
  }
}
