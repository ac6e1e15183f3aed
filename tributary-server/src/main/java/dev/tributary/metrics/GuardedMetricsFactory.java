package dev.tributary.metrics;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.datagram.DatagramSocketOptions;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;
import io.vertx.core.metrics.MetricsOptions;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.spi.VertxMetricsFactory;
import io.vertx.core.spi.metrics.ClientMetrics;
import io.vertx.core.spi.metrics.DatagramSocketMetrics;
import io.vertx.core.spi.metrics.EventBusMetrics;
import io.vertx.core.spi.metrics.HttpClientMetrics;
import io.vertx.core.spi.metrics.HttpServerMetrics;
import io.vertx.core.spi.metrics.PoolMetrics;
import io.vertx.core.spi.metrics.TCPMetrics;
import io.vertx.core.spi.metrics.VertxMetrics;
import io.vertx.core.spi.observability.HttpRequest;
import io.vertx.core.spi.observability.HttpResponse;

/**
 * Wraps a metrics factory (vertx-micrometer-metrics) so that its HTTP server metrics tolerate a
 * connection Vert.x reports without a socket metric. A connection accepted while a server is
 * still being bound can reach {@code bytesRead}/{@code requestBegin} with a null socket metric;
 * vertx-micrometer-metrics dereferences it ("socketMetric is null"), the exception escapes into
 * Vert.x's connection handling, is logged and the request hangs. Here such a call is skipped:
 * that connection's bytes and requests go uncounted, nothing else changes.
 *
 * <p>Only the public SPI ({@link VertxMetricsFactory}, {@link VertxMetrics},
 * {@link HttpServerMetrics}) is used: everything is delegated, the HTTP server metrics through
 * {@link GuardedHttpServerMetrics}.
 */
public final class GuardedMetricsFactory implements VertxMetricsFactory {
  private final VertxMetricsFactory delegate;

  public GuardedMetricsFactory(VertxMetricsFactory delegate) {
    this.delegate = delegate;
  }

  @Override
  public VertxMetrics metrics(VertxOptions options) {
    VertxMetrics m = delegate.metrics(options);
    return m == null ? null : new GuardedVertxMetrics(m);
  }

  @Override
  public MetricsOptions newOptions() {
    return delegate.newOptions();
  }

  @Override
  public MetricsOptions newOptions(MetricsOptions options) {
    return delegate.newOptions(options);
  }

  @Override
  public MetricsOptions newOptions(JsonObject json) {
    return delegate.newOptions(json);
  }

  /** Delegates everything; HTTP server metrics come wrapped. */
  static final class GuardedVertxMetrics implements VertxMetrics {
    private final VertxMetrics delegate;

    GuardedVertxMetrics(VertxMetrics delegate) {
      this.delegate = delegate;
    }

    @Override
    public EventBusMetrics createEventBusMetrics() {
      return delegate.createEventBusMetrics();
    }

    @Override
    public HttpServerMetrics<?, ?, ?> createHttpServerMetrics(HttpServerOptions options, SocketAddress localAddress) {
      HttpServerMetrics<?, ?, ?> m = delegate.createHttpServerMetrics(options, localAddress);
      return m == null ? null : guard(m);
    }

    @Override
    public ClientMetrics<?, ?, ?> createClientMetrics(SocketAddress remoteAddress, String type, String namespace) {
      return delegate.createClientMetrics(remoteAddress, type, namespace);
    }

    @Override
    public HttpClientMetrics<?, ?, ?> createHttpClientMetrics(HttpClientOptions options) {
      return delegate.createHttpClientMetrics(options);
    }

    @Override
    public TCPMetrics<?> createNetServerMetrics(NetServerOptions options, SocketAddress localAddress) {
      return delegate.createNetServerMetrics(options, localAddress);
    }

    @Override
    public TCPMetrics<?> createNetClientMetrics(NetClientOptions options) {
      return delegate.createNetClientMetrics(options);
    }

    @Override
    public DatagramSocketMetrics createDatagramSocketMetrics(DatagramSocketOptions options) {
      return delegate.createDatagramSocketMetrics(options);
    }

    @Override
    public PoolMetrics<?, ?> createPoolMetrics(String poolType, String poolName, int maxPoolSize) {
      return delegate.createPoolMetrics(poolType, poolName, maxPoolSize);
    }

    @Override
    public void vertxCreated(Vertx vertx) {
      delegate.vertxCreated(vertx);
    }

    @Override
    public boolean isMetricsEnabled() {
      return delegate.isMetricsEnabled();
    }

    @Override
    public void close() {
      delegate.close();
    }
  }

  static <R, W, S> HttpServerMetrics<R, W, S> guard(HttpServerMetrics<R, W, S> m) {
    return new GuardedHttpServerMetrics<>(m);
  }

  /**
   * HTTP server metrics that skip every call about a connection without a socket metric, or about
   * a request or WebSocket without its metric (it was never begun because of the former).
   */
  static final class GuardedHttpServerMetrics<R, W, S> implements HttpServerMetrics<R, W, S> {
    private final HttpServerMetrics<R, W, S> delegate;

    GuardedHttpServerMetrics(HttpServerMetrics<R, W, S> delegate) {
      this.delegate = delegate;
    }

    @Override
    public S connected(SocketAddress remoteAddress, String remoteName) {
      return delegate.connected(remoteAddress, remoteName);
    }

    @Override
    public void disconnected(S socketMetric, SocketAddress remoteAddress) {
      if (socketMetric != null) {
        delegate.disconnected(socketMetric, remoteAddress);
      }
    }

    @Override
    public void bytesRead(S socketMetric, SocketAddress remoteAddress, long numberOfBytes) {
      if (socketMetric != null) {
        delegate.bytesRead(socketMetric, remoteAddress, numberOfBytes);
      }
    }

    @Override
    public void bytesWritten(S socketMetric, SocketAddress remoteAddress, long numberOfBytes) {
      if (socketMetric != null) {
        delegate.bytesWritten(socketMetric, remoteAddress, numberOfBytes);
      }
    }

    @Override
    public void exceptionOccurred(S socketMetric, SocketAddress remoteAddress, Throwable t) {
      if (socketMetric != null) {
        delegate.exceptionOccurred(socketMetric, remoteAddress, t);
      }
    }

    @Override
    public R requestBegin(S socketMetric, HttpRequest request) {
      return socketMetric == null ? null : delegate.requestBegin(socketMetric, request);
    }

    @Override
    public void requestEnd(R requestMetric, HttpRequest request, long bytesRead) {
      if (requestMetric != null) {
        delegate.requestEnd(requestMetric, request, bytesRead);
      }
    }

    @Override
    public void requestReset(R requestMetric) {
      if (requestMetric != null) {
        delegate.requestReset(requestMetric);
      }
    }

    @Override
    public void responseBegin(R requestMetric, HttpResponse response) {
      if (requestMetric != null) {
        delegate.responseBegin(requestMetric, response);
      }
    }

    @Override
    public R responsePushed(S socketMetric, HttpMethod method, String uri, HttpResponse response) {
      return socketMetric == null ? null : delegate.responsePushed(socketMetric, method, uri, response);
    }

    @Override
    public void responseEnd(R requestMetric, HttpResponse response, long bytesWritten) {
      if (requestMetric != null) {
        delegate.responseEnd(requestMetric, response, bytesWritten);
      }
    }

    @Override
    public W connected(S socketMetric, R requestMetric, ServerWebSocket serverWebSocket) {
      return socketMetric == null || requestMetric == null ? null : delegate.connected(socketMetric, requestMetric, serverWebSocket);
    }

    @Override
    public void disconnected(W webSocketMetric) {
      if (webSocketMetric != null) {
        delegate.disconnected(webSocketMetric);
      }
    }

    @Override
    public void requestRouted(R requestMetric, String route) {
      if (requestMetric != null) {
        delegate.requestRouted(requestMetric, route);
      }
    }

    @Override
    public void close() {
      delegate.close();
    }
  }
}
