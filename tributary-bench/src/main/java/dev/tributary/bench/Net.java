package dev.tributary.bench;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * Netty transport of the load client: epoll where it loads, else NIO. Daemon threads. Its main,
 * {@code java -cp tributary-bench.jar dev.tributary.bench.Net freePort}, prints a free loopback
 * port (scripts/bench starts redis-server on it).
 */
final class Net {
  private Net() {}

  public static void main(String[] args) throws java.io.IOException {
    if (args.length != 1 || !args[0].equals("freePort")) {
      System.err.println("usage: Net freePort");
      System.exit(2);
    }
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      System.out.println(s.getLocalPort());
    }
  }

  static boolean epoll() {
    return Epoll.isAvailable();
  }

  static String transport() {
    return epoll() ? "epoll" : "nio";
  }

  static EventLoopGroup group(int threads, String name) {
    IoHandlerFactory f = epoll() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(name, true), f);
  }

  static Class<? extends SocketChannel> channelClass() {
    return epoll() ? EpollSocketChannel.class : NioSocketChannel.class;
  }

  /** Closes every channel of the group; bounded. */
  static void shutdown(EventLoopGroup group) {
    if (group == null) {
      return;
    }
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
  }

  /** Event-loop threads for the client: {@code threads=} or the processors this JVM may use. */
  static int threads(Params p) {
    return p.intValue("threads", Runtime.getRuntime().availableProcessors(), 1, 64);
  }
}
