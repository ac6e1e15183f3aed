package dev.tributary.bench;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** {@code key=value} options of one scenario run; every key must be read (typos fail loudly). */
public final class Params {
  private final Map<String, String> values = new LinkedHashMap<>();
  private final Set<String> read = new TreeSet<>();

  public Params() {}

  public static Params parse(String[] args, int from) {
    Params p = new Params();
    for (int i = from; i < args.length; i++) {
      String a = args[i];
      int eq = a.indexOf('=');
      if (eq <= 0) {
        throw new BenchException("bad option \"" + a + "\": expected key=value");
      }
      p.values.put(a.substring(0, eq), a.substring(eq + 1));
    }
    return p;
  }

  public Params set(String key, Object value) {
    values.put(key, String.valueOf(value));
    return this;
  }

  public boolean has(String key) {
    return values.containsKey(key);
  }

  public String string(String key, String dflt) {
    read.add(key);
    String v = values.get(key);
    return v == null || v.isEmpty() ? dflt : v;
  }

  public long longValue(String key, long dflt, long min, long max) {
    String v = string(key, null);
    if (v == null) {
      return dflt;
    }
    long l;
    try {
      l = Long.parseLong(v.replace("_", ""));
    } catch (NumberFormatException e) {
      throw new BenchException("option " + key + " must be an integer, got \"" + v + "\"");
    }
    if (l < min || l > max) {
      throw new BenchException("option " + key + " must be between " + min + " and " + max + ", got " + l);
    }
    return l;
  }

  public int intValue(String key, int dflt, int min, int max) {
    return (int) longValue(key, dflt, min, max);
  }

  public double doubleValue(String key, double dflt, double min, double max) {
    String v = string(key, null);
    if (v == null) {
      return dflt;
    }
    double d;
    try {
      d = Double.parseDouble(v);
    } catch (NumberFormatException e) {
      throw new BenchException("option " + key + " must be a number, got \"" + v + "\"");
    }
    if (!(d >= min && d <= max)) {
      throw new BenchException("option " + key + " must be between " + min + " and " + max + ", got " + v);
    }
    return d;
  }

  public boolean bool(String key, boolean dflt) {
    String v = string(key, null);
    if (v == null) {
      return dflt;
    }
    switch (v.toLowerCase()) {
      case "1", "true", "on", "yes":
        return true;
      case "0", "false", "off", "no":
        return false;
      default:
        throw new BenchException("option " + key + " must be on or off, got \"" + v + "\"");
    }
  }

  /**
   * A comma-separated list of 1 to 100 integers in {@code [min, max]} ({@code _} allowed as a digit
   * separator), or {@code dflt} when absent; a bad list fails naming the option.
   */
  public java.util.List<Integer> intList(String key, java.util.List<Integer> dflt, int min, int max) {
    String v = string(key, null);
    if (v == null) {
      return dflt;
    }
    java.util.List<Integer> list = new java.util.ArrayList<>();
    for (String s : v.split(",")) {
      int i;
      try {
        i = Integer.parseInt(s.trim().replace("_", ""));
      } catch (NumberFormatException e) {
        throw new BenchException("option " + key + " must be a comma-separated list of integers, got " + v);
      }
      if (i < min || i > max) {
        throw new BenchException(String.format("option %s: values must be between %,d and %,d, got %,d", key, min, max, i));
      }
      list.add(i);
    }
    if (list.isEmpty() || list.size() > 100) {
      throw new BenchException("option " + key + " needs 1 to 100 values");
    }
    return list;
  }

  /** Keys starting with {@code prefix}, in order. */
  public java.util.List<String> keysWithPrefix(String prefix) {
    java.util.List<String> out = new java.util.ArrayList<>();
    for (String k : values.keySet()) {
      if (k.startsWith(prefix)) {
        out.add(k);
      }
    }
    return out;
  }

  /** Fails on keys nobody read. */
  public void rejectUnknown() {
    Set<String> unknown = new TreeSet<>(values.keySet());
    unknown.removeAll(read);
    if (!unknown.isEmpty()) {
      throw new BenchException("unknown option(s): " + String.join(", ", unknown));
    }
  }
}
