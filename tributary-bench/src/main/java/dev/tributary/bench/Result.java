package dev.tributary.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * The figures of one scenario run, in order, plus human notes (what limited the run, which
 * figures were skipped). {@link #toJson()} is the one {@code RESULT} line of the run.
 */
public final class Result {
  private final Map<String, Object> fields = new LinkedHashMap<>();
  private final List<String> notes = new ArrayList<>();

  public Result put(String key, Object value) {
    fields.put(key, normalise(value));
    return this;
  }

  public Object get(String key) {
    return fields.get(key);
  }

  /** A numeric figure, or NaN when absent (skipped). */
  public double number(String key) {
    Object v = fields.get(key);
    return v instanceof Number n ? n.doubleValue() : Double.NaN;
  }

  public Map<String, Object> fields() {
    return fields;
  }

  public Result note(String note) {
    notes.add(note);
    return this;
  }

  public List<String> notes() {
    return notes;
  }

  public String toJson() {
    JsonObject o = toJsonObject();
    if (!notes.isEmpty()) {
      o.put("notes", new JsonArray(new ArrayList<>(notes)));
    }
    return o.encode();
  }

  JsonObject toJsonObject() {
    return (JsonObject) toJsonValue(fields);
  }

  @SuppressWarnings("unchecked")
  private static Object toJsonValue(Object v) {
    if (v instanceof Map<?, ?> m) {
      JsonObject o = new JsonObject();
      ((Map<String, Object>) m).forEach((k, x) -> o.put(k, toJsonValue(x)));
      return o;
    }
    if (v instanceof List<?> l) {
      JsonArray a = new JsonArray();
      l.forEach(x -> a.add(toJsonValue(x)));
      return a;
    }
    if (v instanceof Result r) {
      return r.toJsonObject();
    }
    return v;
  }

  private static Object normalise(Object v) {
    if (v instanceof Double d) {
      if (d.isNaN() || d.isInfinite()) {
        return null;
      }
      return round(d, 3);
    }
    if (v instanceof Float f) {
      return normalise(f.doubleValue());
    }
    return v;
  }

  static double round(double d, int places) {
    double scale = Math.pow(10, places);
    return Math.round(d * scale) / scale;
  }

  /** p50/p90/p99/p99.9/max/mean in milliseconds, and the sample count, of a µs histogram. */
  static Map<String, Object> latency(Histogram h) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("count", h.getTotalCount());
    m.put("p50", ms(h.getValueAtPercentile(50)));
    m.put("p90", ms(h.getValueAtPercentile(90)));
    m.put("p99", ms(h.getValueAtPercentile(99)));
    m.put("p999", ms(h.getValueAtPercentile(99.9)));
    m.put("max", ms(h.getMaxValue()));
    m.put("mean", h.getTotalCount() == 0 ? 0.0 : round(h.getMean() / 1000.0, 3));
    return m;
  }

  private static double ms(long micros) {
    return round(micros / 1000.0, 3);
  }

  static String latencyLine(Map<String, Object> l) {
    return String.format("p50 %s ms, p90 %s ms, p99 %s ms, p99.9 %s ms, max %s ms (%s samples)",
        l.get("p50"), l.get("p90"), l.get("p99"), l.get("p999"), l.get("max"), l.get("count"));
  }
}
