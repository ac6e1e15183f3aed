package dev.tributary.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.spi.metrics.HttpServerMetrics;
import io.vertx.core.spi.metrics.VertxMetrics;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import org.junit.jupiter.api.Test;

/** The guard around vertx-micrometer-metrics' HTTP server metrics: a null socket metric is tolerated. */
class GuardedMetricsFactoryTest {
  static final SocketAddress LOCAL = SocketAddress.inetSocketAddress(8000, "127.0.0.1");
  static final SocketAddress REMOTE = SocketAddress.inetSocketAddress(40000, "127.0.0.1");

  final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  final VertxOptions options = new VertxOptions().setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true)
      // Backends are kept per registry name for the JVM: one of its own, or another test's registry is used.
      .setRegistryName("guard-test-" + System.identityHashCode(this)));

  @SuppressWarnings({"unchecked", "rawtypes"})
  HttpServerMetrics<Object, Object, Object> serverMetrics(VertxMetrics vm) {
    return (HttpServerMetrics) vm.createHttpServerMetrics(new HttpServerOptions(), LOCAL);
  }

  @Test
  void unguardedMicrometerMetricsThrowOnANullSocketMetric() {
    // Why the guard exists; if this stops failing after an upgrade, the guard may go.
    HttpServerMetrics<Object, Object, Object> raw = serverMetrics(new MicrometerMetricsFactory(registry).metrics(options));
    assertThatThrownBy(() -> raw.bytesRead(null, REMOTE, 10)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void nullSocketMetricIsSkippedForEveryCall() {
    HttpServerMetrics<Object, Object, Object> m = serverMetrics(new GuardedMetricsFactory(new MicrometerMetricsFactory(registry)).metrics(options));
    m.bytesRead(null, REMOTE, 10);
    m.bytesWritten(null, REMOTE, 10);
    m.exceptionOccurred(null, REMOTE, new RuntimeException("x"));
    assertThat(m.requestBegin(null, null)).isNull();
    m.requestEnd(null, null, 10);
    m.requestReset(null);
    m.responseBegin(null, null);
    m.responseEnd(null, null, 10);
    m.requestRouted(null, "/x");
    assertThat(m.connected(null, null, null)).isNull();
    m.disconnected((Object) null);
    m.disconnected(null, REMOTE);
    assertThat(registry.scrape()).doesNotContainPattern("vertx_http_server_bytes_read_total [1-9]");
  }

  @Test
  void aRealSocketMetricStillCounts() {
    HttpServerMetrics<Object, Object, Object> m = serverMetrics(new GuardedMetricsFactory(new MicrometerMetricsFactory(registry)).metrics(options));
    Object socket = m.connected(REMOTE, "client");
    assertThat(socket).isNotNull();
    m.bytesRead(socket, REMOTE, 42);
    m.disconnected(socket, REMOTE);
    assertThat(registry.scrape()).contains("bytes_read").containsPattern("vertx_http_server_bytes_read_total 42\\.0");
  }
}
