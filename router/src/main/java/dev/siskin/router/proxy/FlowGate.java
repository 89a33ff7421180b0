package dev.siskin.router.proxy;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * Backpressure for one direction of a proxied call: the router asks its source for the next message only
 * when its sink can take it, so at most one message per direction is in the router's hands.
 *
 * <pre>
 *   source --onMessage--> router --send--> sink
 *     ^                                     |
 *     +---- request(1) ---- when sink.isReady() (now, or later from the sink's onReady)
 * </pre>
 *
 * <p>Thread-safety: {@link #afterSend} runs on the thread that sends to the sink (the only one that may call
 * {@code sink.isReady()}), {@link #onSinkReady} on the sink's callback thread. The pending flag is handed
 * over with compare-and-set, so exactly one of them requests the next message, and none is lost when the
 * sink turns ready between the check and the flag being raised.
 */
final class FlowGate {
  private final BooleanSupplier sinkReady;
  private final Runnable requestNext;
  private final AtomicBoolean pending = new AtomicBoolean();

  /**
   * @param sinkReady   the sink's {@code isReady()}; called only from the sending thread
   * @param requestNext the source's {@code request(1)}, which grpc-java allows from any thread
   */
  FlowGate(BooleanSupplier sinkReady, Runnable requestNext) {
    this.sinkReady = sinkReady;
    this.requestNext = requestNext;
  }

  /** Called right after a message was handed to the sink. */
  void afterSend() {
    if (sinkReady.getAsBoolean()) {
      requestNext.run();
      return;
    }
    pending.set(true);
    // The sink may have turned ready (and its onReady found nothing pending) just before the flag went up.
    if (sinkReady.getAsBoolean() && pending.compareAndSet(true, false)) {
      requestNext.run();
    }
  }

  /** Called from the sink's {@code onReady}. */
  void onSinkReady() {
    if (pending.compareAndSet(true, false)) {
      requestNext.run();
    }
  }
}
