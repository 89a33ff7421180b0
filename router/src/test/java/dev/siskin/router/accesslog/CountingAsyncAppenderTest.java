package dev.siskin.router.accesslog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.AppenderBase;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class CountingAsyncAppenderTest {

  /** An output that takes lines only once released: stands for a console or disk that cannot keep up. */
  private static final class StalledOutput extends AppenderBase<ILoggingEvent> {
    final CountDownLatch release = new CountDownLatch(1);
    final CountDownLatch firstArrived = new CountDownLatch(1);
    final AtomicInteger written = new AtomicInteger();

    @Override
    protected void append(ILoggingEvent event) {
      firstArrived.countDown();
      try {
        release.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      written.incrementAndGet();
    }
  }

  @Test
  void everyLineIsEitherWrittenOrCountedAsDropped() throws Exception {
    LoggerContext context = new LoggerContext();
    context.setMDCAdapter(new LogbackMDCAdapter()); // the async appender copies the MDC of each event
    StalledOutput output = new StalledOutput();
    output.setContext(context);
    output.start();
    CountingAsyncAppender async = new CountingAsyncAppender();
    async.setContext(context);
    async.setName("test-access");
    async.setQueueSize(4);
    async.setDiscardingThreshold(0);
    async.setNeverBlock(true);
    async.addAppender(output);
    async.start();
    Logger logger = context.getLogger("siskin.access.test");
    logger.setLevel(Level.INFO);
    logger.setAdditive(false);
    logger.addAppender(async);
    long droppedBefore = CountingAsyncAppender.droppedTotal();

    logger.info("line 0");
    assertThat(output.firstArrived.await(10, TimeUnit.SECONDS)).isTrue(); // the worker holds line 0
    for (int i = 1; i < 50; i++) {
      logger.info("line {}", i); // 4 fit in the queue, the other 45 cannot
    }
    long dropped = CountingAsyncAppender.droppedTotal() - droppedBefore;
    output.release.countDown();
    await().atMost(Duration.ofSeconds(10)).until(() -> output.written.get() == 50 - dropped);
    async.stop();
    context.stop();

    assertThat(dropped).isEqualTo(45);
    assertThat(output.written.get()).isEqualTo(5);
  }
}
