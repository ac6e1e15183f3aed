package dev.tributary.it;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import com.google.protobuf.ByteString;
import dev.tributary.config.NamespaceOptions;
import dev.tributary.protocol.ProtobufCodecTest;
import dev.tributary.protocol.pb.ClientProtocol;
import dev.tributary.testing.Poll;
import dev.tributary.testing.RawWsClient;
import dev.tributary.testing.TestServer;
import dev.tributary.testing.WsTestClient;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The Protobuf variant over real sockets: negotiation, ping/pong, the transcode count, and the
 * bad-input corpus (each frame closes its connection with 3501, nothing is logged above INFO and no
 * exception at all, bystanders of both variants keep working).
 */
class ProtobufGatewayTest {
  static final String PROTOBUF = "Sec-WebSocket-Protocol: centrifuge-protobuf\r\n";
  static TestServer server;
  static Vertx vertx;

  @BeforeAll
  static void start() {
    server = TestServer.start(o -> o.getChannels().putNamespace("chat", new NamespaceOptions().setAllowClientPublish(true)));
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    vertx.close().await();
    server.close();
  }

  /** A Protobuf client on a raw socket: commands out, replies (pings skipped) in. */
  static final class PbClient implements AutoCloseable {
    final RawWsClient ws;
    final ArrayDeque<ClientProtocol.Reply> pending = new ArrayDeque<>();
    int pings;

    PbClient() throws IOException {
      this(server.port);
    }

    PbClient(int port) throws IOException {
      ws = new RawWsClient(port, 0, PROTOBUF);
    }

    void send(ClientProtocol.Command... cmds) throws IOException {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      for (ClientProtocol.Command c : cmds) {
        c.writeDelimitedTo(out);
      }
      ws.sendFrame(0x82, out.toByteArray());
    }

    /** The next reply or push; a ping is answered with a pong and skipped. */
    ClientProtocol.Reply next() throws IOException {
      while (pending.isEmpty()) {
        RawWsClient.Frame f = ws.readFrame();
        assertThat(f.opcode()).as("binary frames only").isEqualTo(2);
        ByteArrayInputStream in = new ByteArrayInputStream(f.payload());
        while (in.available() > 0) {
          ClientProtocol.Reply r = ClientProtocol.Reply.parseDelimitedFrom(in);
          if (r.equals(ClientProtocol.Reply.getDefaultInstance())) {
            pings++;
            ws.sendFrame(0x82, new byte[] {0});
          } else {
            pending.add(r);
          }
        }
      }
      return pending.poll();
    }

    ClientProtocol.Reply connect() throws IOException {
      send(ClientProtocol.Command.newBuilder().setId(1).setConnect(ClientProtocol.ConnectRequest.getDefaultInstance()).build());
      ClientProtocol.Reply r = next();
      assertThat(r.getId()).isEqualTo(1);
      assertThat(r.hasConnect()).as("connect reply %s", r).isTrue();
      return r;
    }

    void subscribe(long id, String ch) throws IOException {
      send(ClientProtocol.Command.newBuilder().setId((int) id).setSubscribe(ClientProtocol.SubscribeRequest.newBuilder().setChannel(ch)).build());
      ClientProtocol.Reply r = next();
      assertThat(r.getId()).isEqualTo((int) id);
      assertThat(r.hasSubscribe()).as("subscribe reply %s", r).isTrue();
    }

    @Override
    public void close() throws IOException {
      ws.close();
    }
  }

  static void apiPublish(String ch, JsonObject data) {
    apiPublish(server.port, ch, data);
  }

  static void apiPublish(int port, String ch, JsonObject data) {
    WebClient web = WebClient.create(vertx);
    try {
      assertThat(web.post(port, "127.0.0.1", "/api/publish").putHeader("X-API-Key", TestServer.API_KEY)
          .sendBuffer(Buffer.buffer(new JsonObject().put("channel", ch).put("data", data).encode())).await().statusCode())
          .isEqualTo(200);
    } finally {
      web.close();
    }
  }

  @Test
  void subprotocolIsEchoedAndPingsAreEmptyRepliesAnsweredByEmptyCommands() throws Exception {
    try (TestServer pinging = TestServer.start(o -> o.getGateway().setPingIntervalSeconds(2).setPongTimeoutSeconds(1));
        PbClient c = new PbClient(pinging.port)) {
      assertThat(c.ws.responseHeaders().toLowerCase()).contains("sec-websocket-protocol: centrifuge-protobuf");
      ClientProtocol.Reply r = c.connect();
      assertThat(r.getConnect().getPing()).isEqualTo(2);
      assertThat(r.getConnect().getPong()).isTrue();
      c.subscribe(2, "news");
      // Three pings, each answered: the connection outlives several pong timeouts.
      while (c.pings < 3) {
        apiPublish(pinging.port, "news", new JsonObject().put("beat", c.pings));
        assertThat(c.next().getPush().getChannel()).isEqualTo("news");
      }
    }
  }

  @Test
  void centrifugeJsonSubprotocolIsEchoedAndSpeaksJson() throws Exception {
    try (RawWsClient c = new RawWsClient(server.port, 0, "Sec-WebSocket-Protocol: centrifuge-json\r\n")) {
      assertThat(c.responseHeaders().toLowerCase()).contains("sec-websocket-protocol: centrifuge-json");
      c.sendText("{\"id\":1,\"connect\":{}}");
      RawWsClient.Frame f = c.readFrame();
      assertThat(f.opcode()).isEqualTo(1);
      assertThat(new JsonObject(f.text()).getJsonObject("connect").getString("client")).isNotEmpty();
    }
  }

  @Test
  void aPublicationIsTranscodedOncePerNodeWhateverTheNumberOfProtobufSubscribers() throws Exception {
    try (PbClient a = new PbClient(); PbClient b = new PbClient(); PbClient c = new PbClient();
        WsTestClient json = WsTestClient.open(vertx, server.port)) {
      for (PbClient p : List.of(a, b, c)) {
        p.connect();
        p.subscribe(2, "chat:once");
      }
      json.connect();
      json.subscribe("chat:once");
      long before = server.server.gateway().protobufTranscodes();
      for (int i = 0; i < 5; i++) {
        apiPublish("chat:once", new JsonObject().put("i", i));
      }
      for (PbClient p : List.of(a, b, c)) {
        for (int i = 0; i < 5; i++) {
          ClientProtocol.Publication pub = p.next().getPush().getPub();
          assertThat(new JsonObject(pub.getData().toStringUtf8())).isEqualTo(new JsonObject().put("i", i));
        }
      }
      for (int i = 0; i < 5; i++) {
        assertThat(json.next().getJsonObject("push").getJsonObject("pub").getJsonObject("data").getInteger("i")).isEqualTo(i);
      }
      assertThat(server.server.gateway().protobufTranscodes() - before).isEqualTo(5);
    }
  }

  /** Collects what is logged at WARN or above, and anything logged with an exception. */
  static final class Alarms extends AppenderBase<ILoggingEvent> {
    final List<String> seen = new CopyOnWriteArrayList<>();

    @Override
    protected void append(ILoggingEvent e) {
      if (e.getLevel().isGreaterOrEqual(Level.WARN) || e.getThrowableProxy() != null) {
        seen.add(e.getLevel() + " " + e.getLoggerName() + ": " + e.getFormattedMessage());
      }
    }
  }

  @Test
  void badInputCorpusClosesEachConnectionWith3501AndNothingElse() throws Exception {
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    Alarms alarms = new Alarms();
    alarms.start();
    root.addAppender(alarms);
    try (PbClient pbBystander = new PbClient(); WsTestClient jsonBystander = WsTestClient.open(vertx, server.port)) {
      pbBystander.connect();
      pbBystander.subscribe(2, "chat:corpus");
      jsonBystander.autoPong().connect();
      jsonBystander.subscribe("chat:corpus");
      int connections = server.server.gateway().connectionCount();

      for (byte[] bad : ProtobufCodecTest.BAD_FRAMES) {
        try (PbClient c = new PbClient()) {
          c.connect();
          c.ws.sendFrame(0x82, bad);
          assertThat(c.ws.readUntilClose()).as("close code for %s", HexFormat.of().formatHex(bad)).isEqualTo(3501);
        }
      }
      try (PbClient c = new PbClient()) {
        c.ws.sendText("{\"id\":1,\"connect\":{}}");
        assertThat(c.ws.readUntilClose()).as("a text frame on a Protobuf connection").isEqualTo(3501);
      }
      try (RawWsClient c = new RawWsClient(server.port, 0)) {
        c.sendFrame(0x82, "{\"id\":1,\"connect\":{}}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(c.readUntilClose()).as("a binary frame on a JSON connection").isEqualTo(3501);
      }
      try (PbClient c = new PbClient()) {
        c.connect();
        // data that is not JSON: 107 for that command, the connection stays.
        c.send(ClientProtocol.Command.newBuilder().setId(2).setPublish(ClientProtocol.PublishRequest.newBuilder()
            .setChannel("chat:corpus").setData(ByteString.copyFrom(new byte[] {1, 2, 3}))).build());
        ClientProtocol.Reply r = c.next();
        assertThat(r.getError().getCode()).isEqualTo(107);
        assertThat(r.getError().getMessage()).isEqualTo("bad request: data must be JSON");
        c.subscribe(3, "chat:other");
      }

      Poll.until("the corpus connections are gone", 10, () -> server.server.gateway().connectionCount() == connections);
      apiPublish("chat:corpus", new JsonObject().put("after", "corpus"));
      assertThat(pbBystander.next().getPush().getPub().getData().toStringUtf8()).isEqualTo("{\"after\":\"corpus\"}");
      assertThat(jsonBystander.next().getJsonObject("push").getJsonObject("pub").getJsonObject("data").getString("after"))
          .isEqualTo("corpus");
      assertThat(alarms.seen).as("nothing logged at WARN or above, no exception").isEmpty();
    } finally {
      root.detachAppender(alarms);
    }
  }
}
