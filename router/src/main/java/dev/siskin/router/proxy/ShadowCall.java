package dev.siskin.router.proxy;

import dev.siskin.router.canary.SkipReason;
import dev.siskin.router.cluster.Backend;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;

/**
 * The shadow copy of one primary call: the same headers and request messages, sent to the shadow backend, whose
 * answer is read in full and kept only as a digest (and the first message, when small) for the comparison. The
 * client never sees any of it.
 *
 * <p>What the primary must never feel: the copy gets the primary's own deadline (so at most its remaining
 * time), it is never retried, its callbacks never touch the client's call, a message is sent to it only while it
 * keeps up (a copy that falls a message behind on a streaming call is cancelled, never buffered), and the
 * primary ending with CANCELLED or DEADLINE_EXCEEDED cancels it.
 *
 * <p>Threading: request-side methods run on the primary's client-side thread (one at a time), response-side
 * ones on the primary's committed attempt's thread, and the shadow's listener on the shadow channel's thread.
 * The two results are paired in a {@link ShadowPair}; everything else is confined to one of those threads.
 */
final class ShadowCall extends ClientCall.Listener<byte[]> {
  private static final Metadata.Key<String> SHADOW_HEADER =
      Metadata.Key.of(ShadowTraffic.SHADOW_HEADER, Metadata.ASCII_STRING_MARSHALLER);

  private final ShadowTraffic traffic;
  private final Backend backend;
  private final ClientCall<byte[], byte[]> call;
  private final long startNanos = System.nanoTime();
  private final ShadowPair pair;
  // Request side (the primary's client-side thread), but for abandoned, which any side may set.
  private int sent;
  private volatile boolean abandoned;
  // Response side of the primary (its committed attempt's thread).
  private final MessageRecorder primaryAnswer;
  // The shadow's own answer (the shadow channel's thread).
  private final MessageRecorder shadowAnswer;

  ShadowCall(ShadowTraffic traffic, Backend backend, MethodDescriptor<byte[], byte[]> method, CallOptions options) {
    this.traffic = traffic;
    this.backend = backend;
    String fullMethod = method.getFullMethodName();
    this.pair = new ShadowPair(traffic, fullMethod, backend.name());
    boolean digesting = !CanaryObserver.OBSERVED_METHOD.equals(fullMethod);
    this.primaryAnswer = new MessageRecorder(digesting);
    this.shadowAnswer = new MessageRecorder(digesting);
    Context previous = Context.ROOT.attach(); // not tied to the client's call: its end must not cancel us implicitly
    try {
      this.call = backend.channel().newCall(method, options);
    } finally {
      Context.ROOT.detach(previous);
    }
  }

  /** Starts the copy with its own copy of {@code requestHeaders}, marked as a shadow. */
  void start(Metadata requestHeaders) {
    Metadata headers = new Metadata();
    headers.merge(requestHeaders);
    headers.put(SHADOW_HEADER, "1");
    call.start(this, headers);
    call.request(1);
  }

  /** A request message the primary got (primary's client-side thread). */
  void onRequest(byte[] message) {
    if (abandoned) {
      return;
    }
    if (sent > 0 && !call.isReady()) {
      abandon(SkipReason.SHADOW_TOO_SLOW);
      return;
    }
    if (sent == 0 && message.length <= MessageRecorder.KEPT_MESSAGE_BYTES) {
      pair.firstRequest(message);
    }
    sent++;
    call.sendMessage(message);
  }

  /** The client half-closed (primary's client-side thread). */
  void onHalfClose() {
    if (!abandoned) {
      call.halfClose();
    }
  }

  /** A response message of the primary (its committed attempt's thread). */
  void onPrimaryResponse(byte[] message) {
    primaryAnswer.add(message);
  }

  /** The primary ended (any thread, once). */
  void onPrimaryEnd(String servedBy, Status.Code code) {
    SkipReason abandon = pair.primaryEnded(servedBy, code, primaryAnswer.end(code, System.nanoTime() - startNanos));
    if (abandon != null) {
      cancel(abandon);
    }
  }

  /** The client's call was cancelled (primary's client-side thread). */
  void onPrimaryCancelled() {
    abandon(SkipReason.PRIMARY_CANCELLED);
  }

  @Override
  public void onMessage(byte[] message) {
    shadowAnswer.add(message);
    call.request(1); // read everything: nothing is held but the digest
  }

  @Override
  public void onClose(Status status, Metadata trailers) {
    ShadowExchange.Side end = shadowAnswer.end(status.getCode(), System.nanoTime() - startNanos);
    traffic.ended(backend);
    pair.shadowEnded(end);
  }

  private void abandon(SkipReason reason) {
    if (pair.abandon(reason)) {
      cancel(reason);
    }
  }

  private void cancel(SkipReason reason) {
    abandoned = true;
    call.cancel("siskin router: shadow copy abandoned (" + reason + ")", null);
  }
}
