package dev.tributary.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * Draws sweeps as one plain SVG file (no library): latency (p99 solid, p50 dashed) and server CPU
 * per delivery against the delivery rate, log-log, one colour per sweep (a build or a setting);
 * steps that failed are hollow, the p99 limit is a dotted line. The knee is where a p99 line
 * crosses the limit.
 *
 * <p>{@code scripts/bench sweep svg=FILE [svgLabel=NAME]} draws the run it made;
 * {@code java -cp tributary-bench.jar dev.tributary.bench.SweepChart out=FILE NAME=RESULTFILE ...}
 * draws several saved runs together (a file holding a sweep's output or its {@code RESULT} line).
 */
public final class SweepChart {
  private SweepChart() {}

  /** One sweep: its name in the legend and its {@code RESULT} object. */
  public record Series(String label, JsonObject result) {}

  private static final String[] COLOURS = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf", "#7f7f7f"};
  private static final int PANEL_W = 460;
  private static final int PANEL_H = 320;
  private static final int LEFT = 64;
  private static final int TOP = 40;
  private static final int GAP = 90;
  private static final int BOTTOM = 56;

  public static void main(String[] args) throws IOException {
    String out = null;
    List<Series> series = new ArrayList<>();
    for (String a : args) {
      int eq = a.indexOf('=');
      if (eq <= 0) {
        throw new BenchException("usage: SweepChart out=FILE NAME=RESULTFILE [NAME=RESULTFILE ...]");
      }
      String k = a.substring(0, eq);
      String v = a.substring(eq + 1);
      if (k.equals("out")) {
        out = v;
      } else {
        series.add(new Series(k, readResult(Path.of(v))));
      }
    }
    if (out == null || series.isEmpty()) {
      throw new BenchException("usage: SweepChart out=FILE NAME=RESULTFILE [NAME=RESULTFILE ...]");
    }
    Files.writeString(Path.of(out), svg(series), StandardCharsets.UTF_8);
  }

  /** The sweep result in {@code file}: its last {@code RESULT {...}} line, or the file as JSON. */
  static JsonObject readResult(Path file) throws IOException {
    String last = null;
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      if (line.startsWith("RESULT ")) {
        last = line.substring(7);
      }
    }
    JsonObject r = new JsonObject(last != null ? last : Files.readString(file, StandardCharsets.UTF_8));
    if (!"sweep".equals(r.getString("scenario"))) {
      throw new BenchException(file + ": not a sweep result (scenario " + r.getString("scenario") + ")");
    }
    return r;
  }

  /** Writes the chart of {@code series} to {@code file}. */
  public static void write(Path file, List<Series> series) {
    try {
      Files.writeString(file, svg(series), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new BenchException("cannot write " + file + ": " + e.getMessage());
    }
  }

  private static double p(JsonObject step, String k) {
    JsonObject lat = step.getJsonObject("latencyMs");
    Object v = lat == null ? null : lat.getValue(k);
    return v instanceof Number n ? n.doubleValue() : Double.NaN;
  }

  private static double num(JsonObject step, String k) {
    Object v = step.getValue(k);
    return v instanceof Number n ? n.doubleValue() : Double.NaN;
  }

  /** A log axis over the positive values given, widened to whole 1-2-5 steps. */
  private record Axis(double lo, double hi) {
    static Axis over(List<Double> values) {
      double lo = Double.MAX_VALUE;
      double hi = 0;
      for (double v : values) {
        if (v > 0 && Double.isFinite(v)) {
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
        }
      }
      if (hi == 0) {
        return new Axis(1, 10);
      }
      return new Axis(Math.pow(10, Math.floor(Math.log10(lo))), Math.pow(10, Math.ceil(Math.log10(hi * 1.0001))));
    }

    double frac(double v) {
      return (Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo));
    }

    List<Double> ticks() {
      List<Double> t = new ArrayList<>();
      for (double d = lo; d <= hi * 1.0001; d *= 10) {
        for (int m : new int[] {1, 2, 5}) {
          if (d * m <= hi * 1.0001) {
            t.add(d * m);
          }
        }
      }
      return t;
    }
  }

  static String svg(List<Series> series) {
    List<Double> xs = new ArrayList<>();
    List<Double> lat = new ArrayList<>();
    List<Double> cpu = new ArrayList<>();
    double limit = Double.NaN;
    for (Series s : series) {
      limit = s.result().getDouble("p99LimitMs", limit);
      for (Object o : s.result().getJsonArray("steps", new JsonArray())) {
        JsonObject st = (JsonObject) o;
        xs.add(num(st, "deliveriesPerSec"));
        lat.add(p(st, "p50"));
        lat.add(p(st, "p99"));
        cpu.add(num(st, "serverCpuUsPerDelivery"));
      }
    }
    if (Double.isFinite(limit)) {
      lat.add(limit);
    }
    Axis x = Axis.over(xs);
    Axis yl = Axis.over(lat);
    Axis yc = Axis.over(cpu);
    int width = LEFT + PANEL_W + GAP + PANEL_W + 30;
    int height = TOP + PANEL_H + BOTTOM + 22 * series.size() + 10;
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
            + "font-family=\"sans-serif\" font-size=\"12\">%n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>%n",
        width, height, width, height));
    int x0 = LEFT;
    int x1 = LEFT + PANEL_W + GAP;
    panel(sb, x0, "latency, ms (p99 solid, p50 dashed)", x, yl);
    panel(sb, x1, "server CPU per delivery, µs", x, yc);
    if (Double.isFinite(limit)) {
      double y = TOP + PANEL_H * (1 - yl.frac(limit));
      sb.append(String.format(Locale.ROOT,
          "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#d62728\" stroke-dasharray=\"2,3\"/>%n"
              + "<text x=\"%d\" y=\"%.1f\" fill=\"#d62728\" text-anchor=\"end\">p99 limit %s ms</text>%n",
          x0, y, x0 + PANEL_W, y, x0 + PANEL_W - 4, y - 4, trim(limit)));
    }
    for (int i = 0; i < series.size(); i++) {
      Series s = series.get(i);
      String colour = COLOURS[i % COLOURS.length];
      JsonArray steps = s.result().getJsonArray("steps", new JsonArray());
      line(sb, steps, x, yl, x0, colour, st -> p(st, "p99"), null);
      line(sb, steps, x, yl, x0, colour, st -> p(st, "p50"), "5,4");
      line(sb, steps, x, yc, x1, colour, st -> num(st, "serverCpuUsPerDelivery"), null);
      int ly = TOP + PANEL_H + BOTTOM + 22 * i;
      sb.append(String.format(Locale.ROOT,
          "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\"/>"
              + "<text x=\"%d\" y=\"%d\">%s (knee %s deliveries/s)</text>%n",
          LEFT, ly, LEFT + 30, ly, colour, LEFT + 38, ly + 4, escape(s.label()),
          Bench.fmt(s.result().getValue("kneeDeliveriesPerSec"))));
    }
    sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" fill=\"#555\">hollow: failed step</text>%n",
        LEFT + PANEL_W + GAP, TOP + PANEL_H + BOTTOM));
    return sb.append("</svg>\n").toString();
  }

  private static void panel(StringBuilder sb, int left, String title, Axis x, Axis y) {
    sb.append(String.format(Locale.ROOT,
        "<text x=\"%d\" y=\"%d\" font-weight=\"bold\">%s</text>%n<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
            + "fill=\"none\" stroke=\"#333\"/>%n",
        left, TOP - 14, title, left, TOP, PANEL_W, PANEL_H));
    for (double t : x.ticks()) {
      double px = left + PANEL_W * x.frac(t);
      sb.append(String.format(Locale.ROOT,
          "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/><text x=\"%.1f\" y=\"%d\" "
              + "text-anchor=\"middle\">%s</text>%n",
          px, TOP, px, TOP + PANEL_H, px, TOP + PANEL_H + 16, si(t)));
    }
    sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">deliveries/s</text>%n",
        left + PANEL_W / 2, TOP + PANEL_H + 34));
    for (double t : y.ticks()) {
      double py = TOP + PANEL_H * (1 - y.frac(t));
      sb.append(String.format(Locale.ROOT,
          "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/><text x=\"%d\" y=\"%.1f\" "
              + "text-anchor=\"end\">%s</text>%n",
          left, py, left + PANEL_W, py, left - 6, py + 4, si(t)));
    }
  }

  private static void line(StringBuilder sb, JsonArray steps, Axis x, Axis y, int left, String colour,
      ToDoubleFunction<JsonObject> value, String dash) {
    StringBuilder pts = new StringBuilder();
    StringBuilder marks = new StringBuilder();
    for (Object o : steps) {
      JsonObject st = (JsonObject) o;
      double vx = num(st, "deliveriesPerSec");
      double vy = value.applyAsDouble(st);
      if (!(vx > 0 && vy > 0 && Double.isFinite(vx) && Double.isFinite(vy))) {
        continue;
      }
      double px = left + PANEL_W * x.frac(vx);
      double py = TOP + PANEL_H * (1 - y.frac(vy));
      pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", px, py));
      boolean passed = st.getBoolean("passed", true);
      marks.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" stroke=\"%s\" fill=\"%s\"/>%n",
          px, py, colour, passed ? colour : "white"));
    }
    if (pts.length() > 0) {
      sb.append(String.format(Locale.ROOT, "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s/>%n",
          pts.toString().trim(), colour, dash == null ? "" : " stroke-dasharray=\"" + dash + "\""));
      sb.append(marks);
    }
  }

  /** 200, 5k, 2M, 0.5. */
  private static String si(double v) {
    if (v >= 1e6) {
      return trim(v / 1e6) + "M";
    }
    if (v >= 1e3) {
      return trim(v / 1e3) + "k";
    }
    return trim(v);
  }

  private static String trim(double v) {
    return v == Math.rint(v) ? String.valueOf((long) v) : String.format(Locale.ROOT, "%.2g", v);
  }

  private static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}
