package dev.tributary.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * RFC 6455 corpus for the gateway's WebSocket pipeline, run on an {@link EmbeddedChannel}: raw
 * (masked) client bytes in, the server's raw frames out, the pipeline built as
 * {@code GatewayVerticle.onSocket} builds it after the handshake (no extension negotiated).
 *
 * <p>Where the embedded channel differs from a socket:
 *
 * <ul>
 *   <li>a flush hands every byte to the "socket" at once ({@link EmbeddedChannel#readOutbound()}),
 *       so a write followed by a {@code CLOSE} listener closes synchronously, and nothing stays
 *       queued after a flush;
 *   <li>time is frozen ({@link EmbeddedChannel#freezeTime()}) and only moves with
 *       {@link EmbeddedChannel#advanceTimeBy}; scheduled tasks run on
 *       {@link EmbeddedChannel#runScheduledPendingTasks()} (and on every {@code writeInbound});
 *   <li>{@code setAutoRead(false)} does not stop {@link EmbeddedChannel#writeInbound}: bytes written
 *       while paused are decoded and reach the handler, which is what happens on a socket with the
 *       frames already in the buffer read before the pause.
 * </ul>
 *
 * <p>Every buffer the pipeline allocates comes from an instrumented unpooled allocator, so each
 * test also checks that nothing leaked once the channel is gone.
 */
class WebSocketHandlerTest {
  private static final int MAX = 1024;
  private static final long CLOSE_TIMEOUT = 1000;

  private static final int CONT = 0x0, TEXT = 0x1, BINARY = 0x2, CLOSE = 0x8, PING = 0x9, PONG = 0xA;
  private static final byte[] MASK = {(byte) 0x37, (byte) 0xfa, (byte) 0x21, (byte) 0x3d};

  private final UnpooledByteBufAllocator alloc = new UnpooledByteBufAllocator(false);
  private EmbeddedChannel ch;
  private WebSocketHandler handler;
  private Recorder rec;
  /** Server bytes read from the channel and not yet parsed into frames. */
  private ByteBuf serverBytes;

  @BeforeEach
  void pipeline() {
    ch = new EmbeddedChannel();
    ch.freezeTime();
    ch.config().setAllocator(alloc);
    ch.pipeline().addLast("wsdecoder", new WebSocket13FrameDecoder(WebSocketDecoderConfig.newBuilder()
        .expectMaskedFrames(true)
        .allowMaskMismatch(false)
        .allowExtensions(false)
        .maxFramePayloadLength(MAX)
        .closeOnProtocolViolation(false)
        .build()));
    ch.pipeline().addLast("wsencoder", new WebSocket13FrameEncoder(false));
    handler = new WebSocketHandler(MAX, CLOSE_TIMEOUT);
    rec = new Recorder();
    handler.listener(rec);
    ch.pipeline().addLast("tributary", handler);
    serverBytes = Unpooled.buffer();
  }

  @AfterEach
  void noLeaks() {
    ch.finishAndReleaseAll();
    serverBytes.release();
    assertThat(rec.closed).as("onClosed calls").hasSize(1);
    assertThat(alloc.metric().usedHeapMemory()).as("heap bytes still allocated").isZero();
    assertThat(alloc.metric().usedDirectMemory()).as("direct bytes still allocated").isZero();
  }

  // ---- data messages -------------------------------------------------------------------------

  @Test
  void singleTextMessageDelivered() {
    in(text("hello"));
    assertThat(rec.messages).containsExactly("hello");
    assertThat(frames()).isEmpty();
    assertThat(ch.isOpen()).isTrue();
  }

  @Test
  void severalFramesInOneBufferDeliveredInOrder() {
    String mid = "m".repeat(200); // 16-bit length form
    in(text("one"), frame(true, 0, BINARY, utf8("two")), text(mid), text(""), text("last"));
    assertThat(rec.messages).containsExactly("one", "two", mid, "", "last");
  }

  @Test
  void frameSplitAcrossReadsDeliveredOnce() {
    byte[] all = concat(text("x".repeat(300)), text("y"));
    for (byte b : all) {
      in(new byte[] {b});
    }
    assertThat(rec.messages).containsExactly("x".repeat(300), "y");
  }

  @Test
  void messageAtFrameLimitDelivered() {
    in(text("a".repeat(MAX)));
    assertThat(rec.messages).containsExactly("a".repeat(MAX));
  }

  // ---- fragmentation -------------------------------------------------------------------------

  @Test
  void emptyFirstFragmentReassembles() {
    // Regression: a text message whose first fragment is empty used to wedge the connection.
    in(frame(false, 0, TEXT, new byte[0]),
        frame(false, 0, CONT, new byte[0]),
        frame(false, 0, CONT, utf8("hel")),
        frame(false, 0, CONT, new byte[0]),
        frame(false, 0, CONT, utf8("lo")),
        frame(true, 0, CONT, new byte[0]));
    assertThat(rec.messages).containsExactly("hello");

    // The connection goes on: pings answered, later messages (fragmented or not) delivered.
    in(frame(true, 0, PING, utf8("p")));
    assertThat(frames()).containsExactly(new Frame(true, 0, PONG, utf8("p")));
    in(text("after"), frame(false, 0, TEXT, new byte[0]), frame(true, 0, CONT, utf8("again")));
    assertThat(rec.messages).containsExactly("hello", "after", "again");
  }

  @Test
  void messageOfOnlyEmptyFragmentsDeliveredAsEmptyString() {
    in(frame(false, 0, TEXT, new byte[0]), frame(false, 0, CONT, new byte[0]),
        frame(true, 0, CONT, new byte[0]), text("next"));
    assertThat(rec.messages).containsExactly("", "next");
  }

  @Test
  void binaryFragmentsReassemble() {
    in(frame(false, 0, BINARY, utf8("bi")), frame(true, 0, CONT, utf8("nary")));
    assertThat(rec.messages).containsExactly("binary");
  }

  @Test
  void pingBetweenFragmentsAnsweredAndMessageStillReassembles() {
    in(frame(false, 0, TEXT, utf8("frag")), frame(true, 0, PING, utf8("mid")));
    assertThat(frames()).containsExactly(new Frame(true, 0, PONG, utf8("mid")));
    in(frame(true, 0, CONT, utf8("ment")));
    assertThat(rec.messages).containsExactly("fragment");
  }

  @Test
  void fragmentedMessageAtLimitDelivered() {
    in(frame(false, 0, TEXT, utf8("a".repeat(500))), frame(false, 0, CONT, new byte[0]),
        frame(true, 0, CONT, utf8("b".repeat(MAX - 500))));
    assertThat(rec.messages).containsExactly("a".repeat(500) + "b".repeat(MAX - 500));
  }

  @Test
  void manySmallFragmentsReassemble() {
    // More fragments than the composite buffer keeps as components.
    StringBuilder want = new StringBuilder();
    in(frame(false, 0, TEXT, utf8("s")));
    want.append('s');
    for (int i = 0; i < 300; i++) {
      String part = Integer.toString(i % 10);
      in(frame(false, 0, CONT, utf8(part)));
      want.append(part);
    }
    in(frame(true, 0, CONT, utf8("e")));
    want.append('e');
    assertThat(rec.messages).containsExactly(want.toString());
  }

  @Test
  void fragmentedMessageOverLimitClosesWith1009AfterTimeout() {
    in(frame(false, 0, TEXT, utf8("a".repeat(400))), frame(false, 0, CONT, utf8("b".repeat(400))));
    assertThat(frames()).isEmpty();
    // The open fragments are held in buffers of the instrumented allocator (what noLeaks checks).
    assertThat(alloc.metric().usedHeapMemory()).isGreaterThanOrEqualTo(800);
    in(frame(false, 0, CONT, utf8("c".repeat(400)))); // 1200 > 1024
    assertCloseSent(1009);
    // The rest of the message and anything after it is never delivered.
    in(frame(true, 0, CONT, utf8("d")), text("later"), frame(true, 0, PING, new byte[0]));
    assertThat(frames()).as("no pong once closing").isEmpty();
    assertThat(rec.messages).isEmpty();
    assertClosedAfterTimeout(1009);
  }

  @Test
  void fragmentedMessageOverLimitClosesOnPeerCloseReply() {
    in(frame(false, 0, TEXT, utf8("a".repeat(1000))), frame(true, 0, CONT, utf8("b".repeat(25))));
    assertCloseSent(1009);
    assertThat(ch.isOpen()).isTrue();
    in(close(1009, "")); // the peer answers: handshake complete, TCP closed without waiting
    assertThat(ch.isOpen()).isFalse();
    assertThat(frames()).as("the peer's close is not echoed a second time").isEmpty();
    assertThat(rec.messages).isEmpty();
    assertThat(rec.closed).containsExactly(1009);
  }

  @Test
  void singleFrameOverLimitClosesWith1009() {
    in(text("a".repeat(MAX + 1))); // refused by the decoder from the header
    assertCloseSent(1009);
    assertThat(rec.messages).isEmpty();
    // The decoder ignores everything after a violation, the peer's close reply included (a socket
    // sees the same): the TCP connection goes on the timer.
    in(close(1009, ""), text("later"));
    assertThat(rec.messages).isEmpty();
    assertClosedAfterTimeout(1009);
  }

  @Test
  void sixtyFourBitLengthOverLimitClosesWith1009BeforeThePayload() {
    in(header(true, 0, TEXT, true, 64, 1L << 32)); // 4 GiB declared, no payload sent
    assertCloseSent(1009);
    assertClosedAfterTimeout(1009);
  }

  @Test
  void sixtyFourBitLengthFormAcceptedAtItsMinimum() {
    // A 64-bit length must be >= 65536 (minimal encoding); with a larger frame limit it would be
    // decoded: here it is over the 1 KiB limit, so 1009, proving the header itself was accepted.
    in(header(true, 0, BINARY, true, 64, 65536));
    assertCloseSent(1009);
    assertClosedAfterTimeout(1009);
  }

  @Test
  void nonMinimalLengthEncodingClosesWith1002() {
    in(frame(true, 0, TEXT, utf8("short"), true, 16));
    assertCloseSent(1002);
    assertClosedAfterTimeout(1002);
  }

  // ---- UTF-8 ---------------------------------------------------------------------------------

  @ParameterizedTest
  @ValueSource(strings = {
      "ff", // never valid
      "80", // lone continuation byte
      "c0af", // overlong '/'
      "e08080", // overlong NUL
      "eda080", // UTF-16 surrogate U+D800
      "f4908080", // above U+10FFFF
      "cebae1bdb9cf83cebcceb5eda080656469746564", // valid Greek, then a surrogate
      "e282", // truncated at the end of the message
  })
  void invalidUtf8TextClosesWith1007(String hex) {
    in(frame(true, 0, TEXT, HexFormat.of().parseHex(hex)));
    assertCloseSent(1007);
    assertThat(rec.messages).isEmpty();
    in(text("later"));
    assertThat(rec.messages).isEmpty();
    assertClosedAfterTimeout(1007);
  }

  @Test
  void invalidUtf8SplitAcrossFragmentsClosesWith1007() {
    in(frame(false, 0, TEXT, utf8("valid ")), frame(false, 0, CONT, new byte[] {(byte) 0xff}));
    in(frame(true, 0, CONT, utf8(" tail")));
    assertCloseSent(1007);
    assertThat(rec.messages).isEmpty();
    assertClosedAfterTimeout(1007);
  }

  @Test
  void multiByteCharSplitAcrossFragmentsIsValid() {
    byte[] euro = utf8("€"); // e2 82 ac
    byte[] smile = utf8("\uD83D\uDE00"); // f0 9f 98 80
    in(frame(false, 0, TEXT, concat(utf8("price "), new byte[] {euro[0]})),
        frame(false, 0, CONT, new byte[] {euro[1]}),
        frame(false, 0, CONT, new byte[0]),
        frame(false, 0, CONT, concat(new byte[] {euro[2]}, utf8(" "), Arrays.copyOf(smile, 3))),
        frame(true, 0, CONT, new byte[] {smile[3]}));
    assertThat(rec.messages).containsExactly("price € \uD83D\uDE00");
    assertThat(frames()).isEmpty();
  }

  @Test
  void multiByteCharTruncatedAtFinalFragmentClosesWith1007() {
    byte[] euro = utf8("€");
    in(frame(false, 0, TEXT, utf8("x")), frame(true, 0, CONT, Arrays.copyOf(euro, 2)));
    assertCloseSent(1007);
    assertClosedAfterTimeout(1007);
  }

  // ---- control frames and protocol errors ----------------------------------------------------

  @Test
  void pingAnsweredWithPongOfSamePayload() {
    byte[] payload = new byte[125];
    for (int i = 0; i < payload.length; i++) {
      payload[i] = (byte) i;
    }
    in(frame(true, 0, PING, payload), frame(true, 0, PING, new byte[0]));
    assertThat(frames()).containsExactly(new Frame(true, 0, PONG, payload),
        new Frame(true, 0, PONG, new byte[0]));
    in(frame(true, 0, PONG, utf8("unsolicited"))); // ignored
    assertThat(frames()).isEmpty();
    assertThat(ch.isOpen()).isTrue();
  }

  @Test
  void pingFloodPastQueueBoundReportsOverflow() {
    // GatewayVerticle sets the write-buffer water mark to the queue bound. Pongs are written and
    // flushed once per read: on the embedded channel the flush empties the queue, so the pongs of
    // one read are what counts.
    ch.config().setWriteBufferWaterMark(new WriteBufferWaterMark(32, 64));
    byte[][] pings = new byte[10][];
    Arrays.fill(pings, frame(true, 0, PING, utf8("0123456789")));
    in(pings); // ten 12-byte pongs queued before the flush
    assertThat(rec.overflows).isGreaterThan(0);
    assertThat(frames()).hasSize(10);
  }

  @Test
  void controlFrameOver125BytesClosesWith1002() {
    in(frame(true, 0, PING, new byte[126]));
    assertCloseSent(1002);
    assertClosedAfterTimeout(1002);
  }

  @Test
  void fragmentedControlFrameClosesWith1002() {
    in(frame(false, 0, PING, utf8("p")));
    assertCloseSent(1002);
    assertClosedAfterTimeout(1002);
  }

  @Test
  void continuationWithoutStartClosesWith1002() {
    in(frame(true, 0, CONT, utf8("orphan")));
    assertCloseSent(1002);
    assertThat(rec.messages).isEmpty();
    assertClosedAfterTimeout(1002);
  }

  @Test
  void newTextFrameInsideFragmentedMessageClosesWith1002() {
    in(frame(false, 0, TEXT, utf8("open")), text("intruder"));
    assertCloseSent(1002);
    in(frame(true, 0, CONT, utf8("end")));
    assertThat(rec.messages).isEmpty();
    assertClosedAfterTimeout(1002);
  }

  @ParameterizedTest
  @ValueSource(ints = {0x3, 0x7, 0xB, 0xF})
  void reservedOpcodeClosesWith1002(int opcode) {
    in(frame(true, 0, opcode, utf8("r")));
    assertCloseSent(1002);
    assertClosedAfterTimeout(1002);
  }

  @ParameterizedTest
  @ValueSource(ints = {4, 2, 1}) // RSV1, RSV2, RSV3
  void reservedBitWithoutExtensionClosesWith1002(int rsv) {
    in(frame(true, rsv, TEXT, utf8("rsv")));
    assertCloseSent(1002);
    assertThat(rec.messages).isEmpty();
    assertClosedAfterTimeout(1002);
  }

  @Test
  void unmaskedClientFrameClosesWith1002() {
    in(frame(true, 0, TEXT, utf8("plain"), false, 0));
    assertCloseSent(1002);
    assertThat(rec.messages).isEmpty();
    assertClosedAfterTimeout(1002);
  }

  @Test
  void protocolErrorAfterGoodMessagesKeepsWhatWasDelivered() {
    in(text("ok"), frame(true, 0, 0x3, new byte[0]), text("never"));
    assertThat(rec.messages).containsExactly("ok");
    assertCloseSent(1002);
    assertClosedAfterTimeout(1002);
  }

  // ---- close handshake -----------------------------------------------------------------------

  @ParameterizedTest
  @ValueSource(ints = {1000, 1001, 1003, 1007, 1011, 3000, 3999, 4000, 4999})
  void clientCloseWithValidCodeIsEchoedAndChannelClosed(int code) {
    in(close(code, "bye"));
    List<Frame> out = frames();
    assertThat(out).hasSize(1);
    assertThat(out.get(0).opcode()).isEqualTo(CLOSE);
    assertThat(out.get(0).closeCode()).isEqualTo(code);
    // Embedded: the echo's write completes at once, so its CLOSE listener already ran.
    assertThat(ch.isOpen()).isFalse();
    assertThat(rec.closed).containsExactly(code);
  }

  @Test
  void clientCloseDropsOpenFragmentedMessage() {
    in(frame(false, 0, TEXT, utf8("half")), close(1000, ""));
    assertThat(frames()).extracting(Frame::closeCode).containsExactly(1000);
    assertThat(rec.messages).isEmpty();
    assertThat(ch.isOpen()).isFalse();
    assertThat(rec.closed).containsExactly(1000);
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999})
  void clientCloseWithInvalidCodeClosesWith1002(int code) {
    in(close(code, ""));
    assertCloseSent(1002);
    // The decoder refused the peer's close: the handler does not know it was a close, so the TCP
    // connection goes on the timer rather than at once.
    assertClosedAfterTimeout(1002);
  }

  @Test
  void clientCloseWithInvalidUtf8ReasonClosesWith1007() {
    in(frame(true, 0, CLOSE, concat(new byte[] {0x03, (byte) 0xe8}, HexFormat.of().parseHex("cebae1bdb9ff"))));
    assertCloseSent(1007);
    assertClosedAfterTimeout(1007);
  }

  @Test
  void clientCloseWithOneByteBodyClosesWith1002() {
    in(frame(true, 0, CLOSE, new byte[] {0x03}));
    assertCloseSent(1002);
    assertClosedAfterTimeout(1002);
  }

  @Test
  void clientCloseWithoutBodyClosesAndReports1005() {
    in(frame(true, 0, CLOSE, new byte[0]));
    List<Frame> out = frames();
    assertThat(out).containsExactly(new Frame(true, 0, CLOSE, new byte[0])); // echoed without a body
    assertThat(ch.isOpen()).isFalse();
    assertThat(rec.closed).containsExactly(1005);
  }

  @Test
  void dataAfterClientCloseIgnored() {
    // Same buffer: the decoder drops what follows a close frame.
    in(close(1000, ""), text("after"));
    assertThat(rec.messages).isEmpty();
    assertThat(rec.closed).containsExactly(1000);
  }

  @Test
  void serverCloseSendsFrameDropsInputAndClosesAfterTimeout() {
    in(text("before"), frame(false, 0, TEXT, utf8("half")));
    handler.close(CloseCodes.SLOW);
    handler.close(CloseCodes.SLOW); // idempotent
    handler.close(CloseCodes.NORMAL); // a later code does not replace the first
    List<Frame> out = frames();
    assertThat(out).hasSize(1);
    assertThat(out.get(0).opcode()).isEqualTo(CLOSE);
    assertThat(out.get(0).closeCode()).isEqualTo(3008);
    assertThat(out.get(0).closeReason()).isEqualTo("slow");
    assertThat(handler.closeCode()).isEqualTo(3008);
    assertThat(handler.isClosing()).isTrue();

    // The peer never answers, keeps sending data and pings: nothing delivered, nothing answered.
    in(frame(true, 0, CONT, utf8("rest")), text("after"), frame(true, 0, PING, utf8("p")));
    assertThat(rec.messages).containsExactly("before");
    assertThat(frames()).isEmpty();

    ch.advanceTimeBy(CLOSE_TIMEOUT - 1, TimeUnit.MILLISECONDS);
    ch.runScheduledPendingTasks();
    assertThat(ch.isOpen()).isTrue();
    assertThat(rec.closed).isEmpty();
    ch.advanceTimeBy(1, TimeUnit.MILLISECONDS);
    ch.runScheduledPendingTasks();
    assertThat(ch.isOpen()).isFalse();
    assertThat(rec.closed).containsExactly(3008);
    handler.close(CloseCodes.SLOW); // after the channel is gone: nothing
    assertThat(frames()).isEmpty();
    assertThat(rec.closed).containsExactly(3008);
  }

  @Test
  void serverCloseAnsweredByPeerClosesAtOnce() {
    handler.close(CloseCodes.SHUTDOWN);
    assertCloseSent(3001);
    in(close(3001, "")); // the peer echoes
    assertThat(ch.isOpen()).isFalse();
    assertThat(frames()).isEmpty();
    assertThat(rec.closed).containsExactly(3001);
    ch.advanceTimeBy(CLOSE_TIMEOUT, TimeUnit.MILLISECONDS);
    ch.runScheduledPendingTasks(); // the timer was cancelled: still one onClosed
    assertThat(rec.closed).containsExactly(3001);
  }

  @Test
  void connectionDroppedWithoutCloseReports1006() {
    in(text("hi"));
    ch.close();
    assertThat(rec.closed).containsExactly(1006);
  }

  // ---- pause / resume ------------------------------------------------------------------------

  @Test
  void pausedMessagesDeliveredInOrderOnResume() {
    in(text("1"));
    handler.pause();
    assertThat(ch.config().isAutoRead()).isFalse();
    in(text("2"), frame(false, 0, TEXT, new byte[0]), frame(true, 0, CONT, utf8("3")));
    in(text("4"));
    assertThat(rec.messages).containsExactly("1");
    in(frame(true, 0, PING, utf8("still"))); // control frames are handled while paused
    assertThat(frames()).containsExactly(new Frame(true, 0, PONG, utf8("still")));
    handler.resume();
    assertThat(ch.config().isAutoRead()).isTrue();
    assertThat(rec.messages).containsExactly("1", "2", "3", "4");
    in(text("5"));
    assertThat(rec.messages).containsExactly("1", "2", "3", "4", "5");
  }

  @Test
  void pauseFromListenerDuringResumeKeepsTheRestHeld() {
    handler.pause();
    in(text("a"), text("b"), text("c"));
    rec.pauseAfter = "a";
    handler.resume();
    assertThat(rec.messages).containsExactly("a");
    assertThat(ch.config().isAutoRead()).isFalse();
    rec.pauseAfter = null;
    handler.resume();
    assertThat(rec.messages).containsExactly("a", "b", "c");
  }

  @Test
  void heldMessagesDroppedOnServerClose() {
    handler.pause();
    in(text("held"));
    handler.close(CloseCodes.NORMAL);
    handler.resume();
    assertThat(rec.messages).isEmpty();
    assertCloseSent(1000);
    assertClosedAfterTimeout(1000);
  }

  // ---- helpers -------------------------------------------------------------------------------

  private final class Recorder implements WebSocketHandler.Listener {
    final List<String> messages = new ArrayList<>();
    final List<Integer> closed = new ArrayList<>();
    int overflows;
    String pauseAfter;

    @Override
    public void onBinary(byte[] bytes) {
      onText(new String(bytes, java.nio.charset.StandardCharsets.UTF_8)); // recorded alike: the tests send UTF-8
    }

    @Override
    public void onText(String text) {
      messages.add(text);
      if (text.equals(pauseAfter)) {
        handler.pause();
      }
    }

    @Override
    public void onOverflow() {
      overflows++;
    }

    @Override
    public void onClosed(int code) {
      closed.add(code);
    }
  }

  /** One server frame as read off the wire. */
  record Frame(boolean fin, int rsv, int opcode, byte[] payload) {
    int closeCode() {
      return payload.length < 2 ? -1 : ((payload[0] & 0xff) << 8) | (payload[1] & 0xff);
    }

    String closeReason() {
      return payload.length <= 2 ? "" : new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Frame f && f.fin == fin && f.rsv == rsv && f.opcode == opcode
          && Arrays.equals(f.payload, payload);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(payload) * 31 + opcode;
    }

    @Override
    public String toString() {
      return "Frame[fin=" + fin + ", rsv=" + rsv + ", opcode=" + opcode + ", payload="
          + HexFormat.of().formatHex(payload) + "]";
    }
  }

  /** Writes client bytes, one buffer for all (as one socket read). */
  private void in(byte[]... frames) {
    ch.writeInbound(Unpooled.wrappedBuffer(concat(frames)));
  }

  /** Every complete frame the server wrote since the last call; server frames must be unmasked. */
  private List<Frame> frames() {
    for (Object o; (o = ch.readOutbound()) != null; ) {
      ByteBuf b = (ByteBuf) o;
      serverBytes.writeBytes(b);
      b.release();
    }
    List<Frame> out = new ArrayList<>();
    while (serverBytes.readableBytes() >= 2) {
      int start = serverBytes.readerIndex();
      int b0 = serverBytes.readUnsignedByte();
      int b1 = serverBytes.readUnsignedByte();
      assertThat(b1 & 0x80).as("server frames are not masked").isZero();
      long len = b1 & 0x7f;
      if (len == 126) {
        if (serverBytes.readableBytes() < 2) {
          serverBytes.readerIndex(start);
          break;
        }
        len = serverBytes.readUnsignedShort();
      } else if (len == 127) {
        if (serverBytes.readableBytes() < 8) {
          serverBytes.readerIndex(start);
          break;
        }
        len = serverBytes.readLong();
      }
      if (serverBytes.readableBytes() < len) {
        serverBytes.readerIndex(start);
        break;
      }
      byte[] payload = new byte[(int) len];
      serverBytes.readBytes(payload);
      out.add(new Frame((b0 & 0x80) != 0, (b0 >> 4) & 7, b0 & 0x0f, payload));
    }
    serverBytes.discardReadBytes();
    return out;
  }

  /** The server sent exactly one frame, a close with {@code code}, and delivered nothing since. */
  private void assertCloseSent(int code) {
    List<Frame> out = frames();
    assertThat(out).as("server frames").hasSize(1);
    assertThat(out.get(0).opcode()).isEqualTo(CLOSE);
    assertThat(out.get(0).fin()).isTrue();
    assertThat(out.get(0).closeCode()).isEqualTo(code);
    assertThat(handler.closeCode()).isEqualTo(code);
  }

  /** The peer never answers: the TCP connection stays until the close timeout, then goes. */
  private void assertClosedAfterTimeout(int code) {
    ch.runScheduledPendingTasks();
    assertThat(ch.isOpen()).isTrue();
    ch.advanceTimeBy(CLOSE_TIMEOUT - 1, TimeUnit.MILLISECONDS);
    ch.runScheduledPendingTasks();
    assertThat(ch.isOpen()).as("open before the close timeout").isTrue();
    assertThat(rec.closed).isEmpty();
    ch.advanceTimeBy(1, TimeUnit.MILLISECONDS);
    ch.runScheduledPendingTasks();
    assertThat(ch.isOpen()).as("closed at the close timeout").isFalse();
    assertThat(rec.closed).containsExactly(code);
    assertThat(frames()).as("nothing after the close frame").isEmpty();
  }

  private static byte[] text(String s) {
    return frame(true, 0, TEXT, utf8(s));
  }

  private static byte[] close(int code, String reason) {
    return frame(true, 0, CLOSE, concat(new byte[] {(byte) (code >> 8), (byte) code}, utf8(reason)));
  }

  /** A masked client frame with the minimal length form. */
  private static byte[] frame(boolean fin, int rsv, int opcode, byte[] payload) {
    return frame(fin, rsv, opcode, payload, true, 0);
  }

  /**
   * A client frame. {@code lengthForm}: 7, 16 or 64 bits, 0 for the minimal one (a form too
   * large for the payload is what RFC 6455 forbids; one too small is not allowed here).
   */
  private static byte[] frame(boolean fin, int rsv, int opcode, byte[] payload, boolean masked, int lengthForm) {
    byte[] head = header(fin, rsv, opcode, masked, lengthForm, payload.length);
    byte[] body = payload.clone();
    if (masked) {
      for (int i = 0; i < body.length; i++) {
        body[i] ^= MASK[i % 4];
      }
    }
    return concat(head, body);
  }

  /** A frame header declaring {@code length} payload bytes (the masking key included if masked). */
  private static byte[] header(boolean fin, int rsv, int opcode, boolean masked, int lengthForm, long length) {
    if (lengthForm == 0) {
      lengthForm = length < 126 ? 7 : length < 65536 ? 16 : 64;
    }
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.write((fin ? 0x80 : 0) | (rsv & 7) << 4 | (opcode & 0x0f));
    int maskBit = masked ? 0x80 : 0;
    switch (lengthForm) {
      case 7 -> {
        if (length > 125) {
          throw new IllegalArgumentException("7-bit length " + length);
        }
        b.write(maskBit | (int) length);
      }
      case 16 -> {
        if (length > 0xffff) {
          throw new IllegalArgumentException("16-bit length " + length);
        }
        b.write(maskBit | 126);
        b.write((int) (length >> 8));
        b.write((int) length);
      }
      case 64 -> {
        b.write(maskBit | 127);
        for (int shift = 56; shift >= 0; shift -= 8) {
          b.write((int) (length >> shift));
        }
      }
      default -> throw new IllegalArgumentException("length form " + lengthForm);
    }
    if (masked) {
      b.writeBytes(MASK);
    }
    return b.toByteArray();
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      b.writeBytes(p);
    }
    return b.toByteArray();
  }
}
