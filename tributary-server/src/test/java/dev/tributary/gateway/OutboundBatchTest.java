package dev.tributary.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class OutboundBatchTest {
  static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void joinsMessagesWithNewlinesAndFlushesWhenFull() {
    OutboundBatch batch = new OutboundBatch(UnpooledByteBufAllocator.DEFAULT, 3, 1000);
    assertThat(batch.append(b("{\"a\":1}"))).isFalse();
    assertThat(batch.append(b("{}"))).isFalse();
    assertThat(batch.append(b("{\"b\":2}"))).isTrue();
    ByteBuf frame = batch.take();
    assertThat(frame.toString(StandardCharsets.UTF_8)).isEqualTo("{\"a\":1}\n{}\n{\"b\":2}");
    frame.release();
    assertThat(batch.count()).isZero();
    assertThat(batch.take()).isNull();
  }

  @Test
  void reportsWhenTheNextMessageNeedsANewFrame() {
    OutboundBatch batch = new OutboundBatch(UnpooledByteBufAllocator.DEFAULT, 100, 10);
    assertThat(batch.mustFlushBefore(20)).as("an empty batch takes any message").isFalse();
    batch.append(b("12345"));
    assertThat(batch.bytesAfter(4)).isEqualTo(10);
    assertThat(batch.mustFlushBefore(4)).isFalse();
    assertThat(batch.mustFlushBefore(5)).isTrue();
    assertThat(batch.append(b("1234"))).as("10 bytes reach maxBytes").isTrue();
    batch.release();
    assertThat(batch.bytes()).isZero();
  }
}
