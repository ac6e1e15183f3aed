package dev.tributary.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * HTTP/1.1 over a plain socket, byte for byte: for requests an HTTP client library would tidy up
 * (no Content-Type, {@code Expect: 100-continue} seen step by step, exact lengths, chunked bodies).
 * Every read is bounded by the socket timeout given at open.
 */
public final class RawHttp implements AutoCloseable {
  /** One response: status, headers (lower-case names), body as UTF-8. */
  public record Response(int status, Map<String, String> headers, String body) {
    public String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  private RawHttp(Socket socket) throws IOException {
    this.socket = socket;
    this.in = socket.getInputStream();
    this.out = socket.getOutputStream();
  }

  /** Connects to 127.0.0.1:{@code port}; connect and every read time out after {@code timeoutMillis}. */
  public static RawHttp open(int port, int timeoutMillis) throws IOException {
    Socket s = new Socket();
    try {
      s.connect(new InetSocketAddress("127.0.0.1", port), timeoutMillis);
      s.setSoTimeout(timeoutMillis);
      return new RawHttp(s);
    } catch (IOException e) {
      s.close();
      throw e;
    }
  }

  public RawHttp send(String ascii) throws IOException {
    return send(ascii.getBytes(StandardCharsets.ISO_8859_1));
  }

  public RawHttp send(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
    return this;
  }

  /** Reads one response (a 1xx has no body); the body by Content-Length or chunked, else to EOF. */
  public Response read() throws IOException {
    String status = line();
    if (status == null) {
      throw new IOException("connection closed before a response");
    }
    String[] parts = status.split(" ", 3);
    int code = Integer.parseInt(parts[1]);
    Map<String, String> headers = new TreeMap<>();
    for (String l = line(); l != null && !l.isEmpty(); l = line()) {
      int i = l.indexOf(':');
      headers.put(l.substring(0, i).trim().toLowerCase(Locale.ROOT), l.substring(i + 1).trim());
    }
    byte[] body;
    if (code / 100 == 1) {
      body = new byte[0];
    } else if (headers.containsKey("content-length")) {
      body = in.readNBytes(Integer.parseInt(headers.get("content-length")));
    } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      for (int n = Integer.parseInt(line().trim(), 16); n > 0; n = Integer.parseInt(line().trim(), 16)) {
        b.write(in.readNBytes(n));
        line();
      }
      line();
      body = b.toByteArray();
    } else {
      body = in.readAllBytes();
    }
    return new Response(code, headers, new String(body, StandardCharsets.UTF_8));
  }

  private String line() throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) != -1) {
      if (c == '\n') {
        String s = b.toString(StandardCharsets.ISO_8859_1);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
      }
      b.write(c);
    }
    return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
  }

  /** One request on a fresh connection, its response. */
  public static Response exchange(int port, String head, byte[] body, int timeoutMillis) throws IOException {
    try (RawHttp h = open(port, timeoutMillis)) {
      h.send(head);
      if (body != null) {
        h.send(body);
      }
      return h.read();
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
