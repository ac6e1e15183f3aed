package dev.tributary.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.metrics.MetricNames;
import dev.tributary.testing.Poll;
import dev.tributary.testing.RawWsClient;
import dev.tributary.testing.TestServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What one client can hold on the server, over real sockets: a slow or frozen reader is gone
 * within {@code gateway.closeTimeoutMillis}, a ping flood is bounded by the same queue, sockets
 * that never send a request are closed after {@code gateway.handshakeTimeoutMillis} and give way
 * at the connection limit, and connections are counted from TCP accept.
 */
class SocketLimitsTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private static int publish(TestServer s, String channel, String data) throws Exception {
    HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port + "/api/publish"))
        .header("X-API-Key", TestServer.API_KEY)
        .POST(HttpRequest.BodyPublishers.ofString("{\"channel\":\"" + channel + "\",\"data\":" + data + "}"))
        .build();
    return HTTP.send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  private static double counter(TestServer s, String name, String... tags) {
    var c = s.server.registry().find(name).tags(tags).counter();
    return c == null ? 0 : c.count();
  }

  private static double gauge(TestServer s, String name) {
    return s.server.registry().get(name).gauge().value();
  }

  @Test
  void slowConsumerThatNeverReadsAgainIsClosedWithinTheCloseTimeout() throws Exception {
    try (TestServer s = TestServer.start(o -> o.getGateway().setMaxQueueBytes(64 * 1024).setCloseTimeoutMillis(300));
         RawWsClient frozen = new RawWsClient(s.port, 4096)) {
      frozen.sendText("{\"id\":1,\"connect\":{}}");
      frozen.readFrame();
      frozen.sendText("{\"id\":2,\"subscribe\":{\"channel\":\"news\"}}");
      frozen.readFrame();
      // The client stops reading. Publish until the server decides 3008.
      String data = "{\"pad\":\"" + "x".repeat(1000) + "\"}";
      int published = 0;
      while (counter(s, MetricNames.SLOW_CLOSES) < 1 && published < 20_000) {
        assertThat(publish(s, "news", data)).isEqualTo(200);
        published++;
      }
      assertThat(counter(s, MetricNames.SLOW_CLOSES)).isEqualTo(1.0);
      // Without the client reading a byte, the server closes the TCP connection by itself.
      // (The gauge of TCP connections also counts the publisher's HTTP connection.)
      Poll.until("the condemned connection is gone", 10, () -> gauge(s, MetricNames.CONNECTIONS) == 0);
      assertThat(counter(s, MetricNames.CONNECTIONS_CLOSED, "code", "3008")).isEqualTo(1.0);
      // When it reads again it finds the end of the stream, not every "dropped" publication.
      long bytes = frozen.drainUntilEof();
      assertThat(bytes).isLessThan((long) published * data.length());
    }
  }

  @Test
  void pingFloodFromAClientThatDoesNotReadIsClosed() throws Exception {
    try (TestServer s = TestServer.start(o -> o.getGateway().setMaxQueueBytes(32 * 1024).setCloseTimeoutMillis(300));
         RawWsClient flooder = new RawWsClient(s.port, 4096)) {
      byte[] payload = new byte[125];
      boolean cut = false;
      // 125-byte pongs, never read: without a bound they would pile up until the heap is gone.
      for (int i = 0; i < 400_000 && !cut; i++) {
        try {
          flooder.sendFrame(0x89, payload);
        } catch (IOException closed) {
          cut = true;
        }
      }
      assertThat(cut).as("the server closed the flooding socket").isTrue();
      Poll.until("the flooder is uncounted", 10, () -> gauge(s, MetricNames.SOCKETS) == 0);
      assertThat(counter(s, MetricNames.SLOW_CLOSES)).isEqualTo(1.0);
      assertThat(counter(s, MetricNames.CONNECTIONS_CLOSED, "code", "3008")).isEqualTo(1.0);
    }
  }

  @Test
  void socketsThatSendNoRequestAreClosedAfterTheHandshakeTimeout() throws Exception {
    try (TestServer s = TestServer.start(o -> o.getGateway().setHandshakeTimeoutMillis(300));
         Socket silent = new Socket();
         Socket slowloris = new Socket()) {
      silent.connect(new InetSocketAddress("127.0.0.1", s.port));
      slowloris.connect(new InetSocketAddress("127.0.0.1", s.port));
      slowloris.getOutputStream().write("GET /connection/websocket HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
      silent.setSoTimeout(10_000);
      slowloris.setSoTimeout(10_000);
      assertThat(readToEnd(silent.getInputStream())).isEqualTo(-1);
      assertThat(readToEnd(slowloris.getInputStream())).isEqualTo(-1);
      assertThat(counter(s, MetricNames.HANDSHAKE_TIMEOUTS)).isEqualTo(2.0);
      Poll.until("both uncounted", 10, () -> gauge(s, MetricNames.SOCKETS) == 0);
    }
  }

  @Test
  void idleSocketsGiveWayToNewClientsAtTheLimit() throws Exception {
    List<Socket> idle = new ArrayList<>();
    try (TestServer s = TestServer.start(o -> o.getGateway().setMaxConnections(3))) {
      try {
        for (int i = 0; i < 3; i++) {
          Socket k = new Socket();
          k.connect(new InetSocketAddress("127.0.0.1", s.port));
          idle.add(k);
        }
        Poll.until("three idle sockets counted", 10, () -> gauge(s, MetricNames.SOCKETS) == 3);
        // At the limit, held by sockets that sent nothing: a real client and /health still get in.
        HttpResponse<String> health = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port + "/health")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        try (RawWsClient c = new RawWsClient(s.port, 0)) {
          c.sendText("{\"id\":1,\"connect\":{}}");
          assertThat(c.readFrame().text()).contains("\"connect\"");
        }
        assertThat(counter(s, MetricNames.SOCKETS_EVICTED)).isEqualTo(2.0);
      } finally {
        for (Socket k : idle) {
          k.close();
        }
      }
    }
  }

  @Test
  void pastTheLimitAndItsSmallAllowanceSocketsAreClosedAtAccept() throws Exception {
    List<Socket> extra = new ArrayList<>();
    try (TestServer s = TestServer.start(o -> o.getGateway().setMaxConnections(2));
         RawWsClient a = new RawWsClient(s.port, 0);
         RawWsClient b = new RawWsClient(s.port, 0)) {
      try {
        // Both limit slots are WebSockets (not evictable): 16 more are admitted to be told 1013/503, the rest closed.
        for (int i = 0; i < 20; i++) {
          Socket k = new Socket();
          k.connect(new InetSocketAddress("127.0.0.1", s.port));
          extra.add(k);
        }
        Poll.until("four refused at accept", 10, () -> counter(s, MetricNames.CONNECTIONS_REFUSED) == 4);
        assertThat(gauge(s, MetricNames.SOCKETS)).isEqualTo(18.0);
        // One of the admitted ones asks for a WebSocket: 1013.
        Socket k = extra.get(0);
        k.setSoTimeout(10_000);
        OutputStream out = k.getOutputStream();
        out.write(("GET /connection/websocket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        String head = new String(k.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
        assertThat(head).contains("101");
      } finally {
        for (Socket k : extra) {
          k.close();
        }
      }
    }
  }

  private static int readToEnd(InputStream in) throws IOException {
    try {
      int c;
      while ((c = in.read()) >= 0) {
        // an HTTP error answer may come first
      }
      return c;
    } catch (java.net.SocketException reset) {
      return -1;
    }
  }
}
