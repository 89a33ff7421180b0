package dev.siskin.router.h2;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.LoggerFactory;

/**
 * Fails a test of the frame core that leaked a Netty buffer: with leak detection at PARANOID (the router's
 * surefire setting) every buffer is tracked, and one collected unreleased is reported by Netty's leak detector,
 * whose log this captures. After the test it collects garbage and allocates, which is when Netty reports.
 */
public final class LeakCheck implements BeforeEachCallback, AfterEachCallback {
  private static final Logger DETECTOR = (Logger) LoggerFactory.getLogger(ResourceLeakDetector.class);
  private ListAppender<ILoggingEvent> reports;

  @Override
  public void beforeEach(ExtensionContext context) {
    reports = new ListAppender<>();
    reports.start();
    DETECTOR.addAppender(reports);
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    try {
      for (int round = 0; round < 3; round++) {
        System.gc();
        Thread.sleep(50);
        for (int i = 0; i < 100; i++) { // leaks are reported when a tracked buffer is allocated
          ByteBuf b = PooledByteBufAllocator.DEFAULT.buffer(16);
          b.release();
        }
      }
      List<String> leaks = reports.list.stream().map(ILoggingEvent::getFormattedMessage)
          .filter(m -> m.contains("LEAK")).toList();
      assertThat(leaks).as("Netty buffers leaked (level %s)", ResourceLeakDetector.getLevel()).isEmpty();
    } finally {
      DETECTOR.detachAppender(reports);
    }
  }
}
