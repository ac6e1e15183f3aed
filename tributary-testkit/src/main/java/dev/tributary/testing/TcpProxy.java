package dev.tributary.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loopback TCP proxy in front of a server, for tests that cut a client's connection the way a
 * network would: {@link #cut()} closes every proxied connection at once (both sides see the TCP
 * connection go, no WebSocket close), and while {@link #refuse(boolean) refusing}, new connections
 * are closed as soon as they are accepted, so a reconnecting client stays away until the test lets
 * it back. Plain blocking sockets with a thread per direction: test code, a handful of connections.
 */
public final class TcpProxy implements AutoCloseable {
  private final ServerSocket server;
  private final int targetPort;
  private final List<Socket> open = new CopyOnWriteArrayList<>();
  private volatile boolean refusing;
  private volatile boolean closed;

  private TcpProxy(int targetPort) throws IOException {
    this.targetPort = targetPort;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread t = new Thread(this::acceptLoop, "tcp-proxy-accept");
    t.setDaemon(true);
    t.start();
  }

  /** A proxy on a free loopback port forwarding to {@code 127.0.0.1:targetPort}. */
  public static TcpProxy start(int targetPort) {
    try {
      return new TcpProxy(targetPort);
    } catch (IOException e) {
      throw new IllegalStateException("cannot start the proxy", e);
    }
  }

  public int port() {
    return server.getLocalPort();
  }

  /** Closes every proxied connection now (both directions). */
  public void cut() {
    for (Socket s : open) {
      closeQuietly(s);
    }
    open.clear();
  }

  /** While true, connections are closed right after accept (the client cannot get through). */
  public void refuse(boolean refuse) {
    this.refusing = refuse;
  }

  /** Connections proxied now (client side and server side each count one). */
  public int openSockets() {
    return open.size();
  }

  private void acceptLoop() {
    while (!closed) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        return; // closed
      }
      if (refusing) {
        closeQuietly(client);
        continue;
      }
      Socket upstream = new Socket();
      try {
        upstream.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort), 5000);
        client.setTcpNoDelay(true);
        upstream.setTcpNoDelay(true);
      } catch (IOException e) {
        closeQuietly(client);
        closeQuietly(upstream);
        continue;
      }
      open.add(client);
      open.add(upstream);
      pump(client, upstream);
      pump(upstream, client);
    }
  }

  private void pump(Socket from, Socket to) {
    Thread t = new Thread(() -> {
      byte[] buf = new byte[16 * 1024];
      try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
        int n;
        while ((n = in.read(buf)) >= 0) {
          out.write(buf, 0, n);
          out.flush();
        }
      } catch (IOException e) {
        // cut or closed by a side: the other side goes too
      } finally {
        closeQuietly(from);
        closeQuietly(to);
        open.remove(from);
        open.remove(to);
      }
    }, "tcp-proxy-pump");
    t.setDaemon(true);
    t.start();
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // already closed
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      server.close();
    } catch (IOException ignored) {
      // already closed
    }
    cut();
  }
}
