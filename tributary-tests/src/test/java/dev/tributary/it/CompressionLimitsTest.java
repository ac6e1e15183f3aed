package dev.tributary.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.testing.RawWsClient;
import dev.tributary.testing.TestServer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.Deflater;
import org.junit.jupiter.api.Test;

/**
 * permessage-deflate (opt-in, {@code compression.websocket}): compressed messages work, and one
 * that inflates past {@code gateway.maxFrameBytes} closes with 1009 after at most that much output,
 * whatever it would expand to.
 */
class CompressionLimitsTest {
  private static final String OFFER = "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n";

  /** Raw DEFLATE of {@code data} as permessage-deflate sends it (sync flush, tail 00 00 ff ff cut). */
  private static byte[] deflate(byte[] data) {
    Deflater d = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
    d.setInput(data);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[65536];
    int n;
    while ((n = d.deflate(buf, 0, buf.length, Deflater.SYNC_FLUSH)) > 0) {
      out.write(buf, 0, n);
    }
    d.end();
    byte[] all = out.toByteArray();
    return Arrays.copyOf(all, all.length - 4);
  }

  @Test
  void compressedMessagesAreUnderstood() throws Exception {
    try (TestServer s = TestServer.start(o -> o.getOperations().setWebsocketDeflate(true));
         RawWsClient c = new RawWsClient(s.port, 0, OFFER)) {
      assertThat(c.responseHeaders()).contains("permessage-deflate");
      c.sendFrame(0xC1, deflate("{\"id\":1,\"connect\":{}}".getBytes(StandardCharsets.UTF_8)));
      RawWsClient.Frame reply = c.readFrame();
      assertThat(reply.opcode()).isEqualTo(1);
    }
  }

  @Test
  void aMessageInflatingPastTheLimitClosesWith1009() throws Exception {
    try (TestServer s = TestServer.start(o -> {
           o.getOperations().setWebsocketDeflate(true);
           o.getGateway().setMaxFrameBytes(64 * 1024);
         });
         RawWsClient bomb = new RawWsClient(s.port, 0, OFFER);
         RawWsClient other = new RawWsClient(s.port, 0, OFFER)) {
      // ~60 MB of spaces compresses to ~60 KB: under the frame limit on the wire, 1000x over it inflated.
      byte[] huge = new byte[60 << 20];
      Arrays.fill(huge, (byte) ' ');
      byte[] compressed = deflate(huge);
      assertThat(compressed.length).isLessThan(64 * 1024);
      bomb.sendFrame(0xC1, compressed);
      assertThat(bomb.readUntilClose()).isEqualTo(1009);
      // Nobody else is harmed.
      other.sendFrame(0xC1, deflate("{\"id\":1,\"connect\":{}}".getBytes(StandardCharsets.UTF_8)));
      assertThat(other.readFrame().opcode()).isEqualTo(1);
    }
  }
}
