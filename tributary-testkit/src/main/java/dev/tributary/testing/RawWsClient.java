package dev.tributary.testing;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A minimal blocking WebSocket client on a plain socket: the wire-level adversary, for tests that
 * need what {@link WsTestClient} (a conformant Vert.x client) cannot do by design, which is why the
 * test kit has two WebSocket clients rather than one with a raw mode:
 *
 * <ul>
 *   <li>write frames a conformant client never sends: a hand-deflated frame with RSV1 set (the
 *       compression bomb of CompressionLimitsTest), a flood of pings, unmasked or oversized
 *       frames ({@link #sendFrame} takes the first byte as given);
 *   <li>stop reading with a small socket receive buffer set before connecting, so the server's
 *       write queue fills (the slow consumer of LimitsTest and SocketLimitsTest), then count the
 *       bytes that still arrive until EOF ({@link #drainUntilEof});
 *   <li>send handshake headers as given and read the response's header lines verbatim (the
 *       permessage-deflate offer, the Protobuf subprotocol).
 * </ul>
 *
 * Vert.x's client negotiates, masks, validates and reassembles frames itself and reads eagerly on
 * its event loop; a "raw mode" inside it would have to bypass all of that, i.e. be this class.
 */
public final class RawWsClient implements AutoCloseable {
  private final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;
  private final StringBuilder headers = new StringBuilder();

  /** The handshake response's header lines. */
  public String responseHeaders() {
    return headers.toString();
  }

  /** A server frame: opcode and payload. */
  public record Frame(int opcode, byte[] payload) {
    public String text() {
      return new String(payload, StandardCharsets.UTF_8);
    }

    /** For a close frame, the status code. */
    public int closeCode() {
      return payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : -1;
    }
  }

  public RawWsClient(int port, int receiveBufferBytes) throws IOException {
    this(port, receiveBufferBytes, "");
  }

  /** @param extraHeaders header lines, each ending in CRLF (e.g. a Sec-WebSocket-Extensions offer) */
  public RawWsClient(int port, int receiveBufferBytes, String extraHeaders) throws IOException {
    socket = new Socket();
    if (receiveBufferBytes > 0) {
      socket.setReceiveBufferSize(receiveBufferBytes);
    }
    socket.connect(new java.net.InetSocketAddress("127.0.0.1", port), 5000);
    socket.setSoTimeout(20_000);
    in = new DataInputStream(socket.getInputStream());
    out = socket.getOutputStream();
    byte[] nonce = new byte[16];
    ThreadLocalRandom.current().nextBytes(nonce);
    String req = "GET /connection/websocket HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n"
        + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
        + "Sec-WebSocket-Key: " + Base64.getEncoder().encodeToString(nonce) + "\r\n" + extraHeaders + "\r\n";
    out.write(req.getBytes(StandardCharsets.US_ASCII));
    out.flush();
    String status = readLine(in);
    if (!status.contains(" 101 ")) {
      throw new IOException("handshake failed: " + status);
    }
    String line;
    while (!(line = readLine(in)).isEmpty()) {
      headers.append(line).append('\n');
    }
  }

  private static String readLine(InputStream in) throws IOException {
    StringBuilder sb = new StringBuilder();
    int c;
    while ((c = in.read()) != -1) {
      if (c == '\n') {
        break;
      }
      if (c != '\r') {
        sb.append((char) c);
      }
    }
    return sb.toString();
  }

  public void sendText(String text) throws IOException {
    byte[] payload = text.getBytes(StandardCharsets.UTF_8);
    byte[] mask = new byte[4];
    ThreadLocalRandom.current().nextBytes(mask);
    java.io.ByteArrayOutputStream f = new java.io.ByteArrayOutputStream();
    f.write(0x81);
    if (payload.length < 126) {
      f.write(0x80 | payload.length);
    } else if (payload.length < 65536) {
      f.write(0x80 | 126);
      f.write(payload.length >> 8);
      f.write(payload.length & 0xff);
    } else {
      f.write(0x80 | 127);
      for (int i = 7; i >= 0; i--) {
        f.write((int) ((long) payload.length >> (8 * i)) & 0xff);
      }
    }
    f.write(mask);
    for (int i = 0; i < payload.length; i++) {
      f.write(payload[i] ^ mask[i & 3]);
    }
    out.write(f.toByteArray());
    out.flush();
  }

  /**
   * Sends one masked frame: {@code firstByte} is FIN, RSV and opcode (0x89 = a final ping, 0xC1 =
   * a final compressed text frame, 0x01 = a first text fragment, 0x80 = a last continuation).
   */
  public void sendFrame(int firstByte, byte[] payload) throws IOException {
    byte[] mask = new byte[4];
    ThreadLocalRandom.current().nextBytes(mask);
    java.io.ByteArrayOutputStream f = new java.io.ByteArrayOutputStream(payload.length + 14);
    f.write(firstByte);
    if (payload.length < 126) {
      f.write(0x80 | payload.length);
    } else if (payload.length < 65536) {
      f.write(0x80 | 126);
      f.write(payload.length >> 8);
      f.write(payload.length & 0xff);
    } else {
      f.write(0x80 | 127);
      for (int i = 7; i >= 0; i--) {
        f.write((int) ((long) payload.length >> (8 * i)) & 0xff);
      }
    }
    f.write(mask, 0, 4);
    for (int i = 0; i < payload.length; i++) {
      f.write(payload[i] ^ mask[i & 3]);
    }
    out.write(f.toByteArray());
    out.flush();
  }

  /** Reads and discards until the server closes the TCP connection; returns the bytes read. */
  public long drainUntilEof() throws IOException {
    byte[] buf = new byte[65536];
    long total = 0;
    try {
      int n;
      while ((n = in.read(buf)) >= 0) {
        total += n;
      }
    } catch (java.net.SocketException reset) {
      // connection reset: closed too
    }
    return total;
  }

  /** Reads the next frame (blocking, with the socket's timeout). */
  public Frame readFrame() throws IOException {
    int b0 = in.readUnsignedByte();
    int b1 = in.readUnsignedByte();
    long len = b1 & 0x7f;
    if (len == 126) {
      len = in.readUnsignedShort();
    } else if (len == 127) {
      len = in.readLong();
    }
    byte[] payload = new byte[(int) len];
    in.readFully(payload);
    return new Frame(b0 & 0x0f, payload);
  }

  /** Reads until a close frame and returns its code. */
  public int readUntilClose() throws IOException {
    while (true) {
      Frame f = readFrame();
      if (f.opcode() == 8) {
        return f.closeCode();
      }
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
