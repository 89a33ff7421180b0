package dev.siskin.router.proxy;

import static java.util.Objects.requireNonNull;

import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fans shadow results out to the registered sinks (the comparison, metrics). A sink that throws is logged and
 * affects neither the calls nor the other sinks. Thread-safe (copy-on-write: sinks are added at start-up).
 */
public final class CompositeShadowSink implements ShadowSink {
  private static final Logger log = LoggerFactory.getLogger(CompositeShadowSink.class);

  private final CopyOnWriteArrayList<ShadowSink> sinks = new CopyOnWriteArrayList<>();

  public void add(ShadowSink sink) {
    sinks.add(requireNonNull(sink, "sink"));
  }

  @Override
  public void compared(ShadowExchange exchange) {
    for (ShadowSink sink : sinks) {
      try {
        sink.compared(exchange);
      } catch (RuntimeException e) {
        log.warn("shadow sink {} failed on a compared pair", sink, e);
      }
    }
  }

  @Override
  public void skipped(String shadowBackend, String fullMethod, Skip reason) {
    for (ShadowSink sink : sinks) {
      try {
        sink.skipped(shadowBackend, fullMethod, reason);
      } catch (RuntimeException e) {
        log.warn("shadow sink {} failed on a skipped copy", sink, e);
      }
    }
  }
}
