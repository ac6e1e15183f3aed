package dev.tributary.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

class SweepChartTest {
  static JsonObject step(double deliveries, double p50, double p99, Double usPerDelivery, boolean passed) {
    return new JsonObject().put("deliveriesPerSec", deliveries)
        .put("latencyMs", new JsonObject().put("p50", p50).put("p99", p99))
        .put("serverCpuUsPerDelivery", usPerDelivery).put("passed", passed);
  }

  static JsonObject sweep(double knee, JsonObject... steps) {
    return new JsonObject().put("scenario", "sweep").put("p99LimitMs", 50.0).put("kneeDeliveriesPerSec", knee)
        .put("steps", new JsonArray(List.of((Object[]) steps)));
  }

  static Document parse(String svg) throws Exception {
    return DocumentBuilderFactory.newInstance().newDocumentBuilder()
        .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void drawsP50P99AndCpuPerDeliveryPerSweepWithFailedStepsHollow() throws Exception {
    JsonObject a = sweep(1_000_000, step(100_000, 5, 20, 7.5, true), step(1_000_000, 12, 35, 0.95, true),
        step(3_000_000, 300, 460, 0.34, false));
    JsonObject b = sweep(2_000_000, step(100_000, 9, 17, 5.3, true), step(2_000_000, 20, 29, 0.45, true));
    Document d = parse(SweepChart.svg(List.of(new SweepChart.Series("epoll", a), new SweepChart.Series("io_uring <A>", b))));
    assertThat(d.getDocumentElement().getTagName()).isEqualTo("svg");
    // Three lines per sweep (p99, p50, µs per delivery), one mark per point.
    NodeList lines = d.getElementsByTagName("polyline");
    assertThat(lines.getLength()).isEqualTo(6);
    assertThat(((Element) lines.item(0)).getAttribute("points").split(" ")).hasSize(3);
    assertThat(((Element) lines.item(1)).getAttribute("stroke-dasharray")).isNotEmpty(); // p50 dashed
    NodeList marks = d.getElementsByTagName("circle");
    assertThat(marks.getLength()).isEqualTo(3 * 3 + 3 * 2);
    int hollow = 0;
    for (int i = 0; i < marks.getLength(); i++) {
      if (((Element) marks.item(i)).getAttribute("fill").equals("white")) {
        hollow++;
      }
    }
    assertThat(hollow).as("the failed step, on each of its three lines").isEqualTo(3);
    String text = d.getDocumentElement().getTextContent();
    assertThat(text).contains("epoll (knee 1,000,000", "io_uring <A> (knee 2,000,000", "p99 limit 50 ms");
  }

  @Test
  void readsASavedRunByItsResultLine(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("run.txt");
    Files.writeString(out, "bench: pinned\n  R=100 ...\nRESULT " + sweep(100_000, step(100_000, 5, 20, 7.5, true)).encode() + "\n");
    Path svg = dir.resolve("chart.svg");
    SweepChart.main(new String[] {"out=" + svg, "main=" + out});
    assertThat(parse(Files.readString(svg)).getElementsByTagName("polyline").getLength()).isEqualTo(3);
  }
}
