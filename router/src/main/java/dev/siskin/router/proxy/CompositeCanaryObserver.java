package dev.siskin.router.proxy;

import static java.util.Objects.requireNonNull;

import dev.siskin.router.canary.SkipReason;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fans what the forwarding observes out to the registered observers (the comparison, metrics). A sink that throws is logged and
 * affects neither the calls nor the other sinks. Thread-safe (copy-on-write: sinks are added at start-up).
 */
public final class CompositeCanaryObserver implements CanaryObserver {
  private static final Logger log = LoggerFactory.getLogger(CompositeCanaryObserver.class);

  private final CopyOnWriteArrayList<CanaryObserver> sinks = new CopyOnWriteArrayList<>();

  public void add(CanaryObserver sink) {
    sinks.add(requireNonNull(sink, "sink"));
  }

  @Override
  public void compared(ShadowExchange exchange) {
    for (CanaryObserver sink : sinks) {
      try {
        sink.compared(exchange);
      } catch (RuntimeException e) {
        log.warn("shadow sink {} failed on a compared pair", sink, e);
      }
    }
  }

  @Override
  public void skipped(String shadowBackend, String fullMethod, SkipReason reason) {
    for (CanaryObserver sink : sinks) {
      try {
        sink.skipped(shadowBackend, fullMethod, reason);
      } catch (RuntimeException e) {
        log.warn("shadow sink {} failed on a skipped copy", sink, e);
      }
    }
  }

  @Override
  public void served(String backend, byte[] response) {
    for (CanaryObserver sink : sinks) {
      try {
        sink.served(backend, response);
      } catch (RuntimeException e) {
        log.warn("canary observer {} failed on a served answer", sink, e);
      }
    }
  }
}
