package dev.siskin.router.h2;

import static dev.siskin.router.h2.FrameHarness.CALL;
import static dev.siskin.router.h2.FrameHarness.assertSameBytes;
import static dev.siskin.router.h2.FrameHarness.responseHeaders;
import static dev.siskin.router.h2.FrameHarness.trailers;
import static dev.siskin.router.h2.FrameHarness.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import dev.siskin.router.h2.RawPeer.Kind;
import io.grpc.Status;
import io.netty.handler.codec.http2.Http2Settings;
import org.junit.jupiter.api.Test;

/**
 * End-to-end flow control at the frame level: when one side reads a stream slowly (sends no WINDOW_UPDATE for
 * it), the router forwards only what that side's window allows, opens the other side's window only by what it
 * forwarded -- so it holds at most one window of the stream's bytes -- keeps reading the connection, and a
 * sibling stream on the same connections keeps flowing. Once the slow side reads again, every byte arrives in
 * order.
 */
class FrameFlowControlTest extends FrameLevelTest {
  private static final int SLOW_WINDOW = 16384;
  private static final int WINDOW = FrameForwarder.WINDOW_BYTES;
  @Test
  void aBackendThatReadsSlowlyHoldsBackOnlyItsStream() {
    h = new FrameHarness(FrameHarness.Options.defaults()
        .backend(Http2Settings.defaultSettings().initialWindowSize(SLOW_WINDOW)));
    h.open(1, "slow");
    h.open(3, "sibling");
    RawPeer backend = h.backend("v1");
    int slow = backend.streamWith(CALL, "slow");
    int sibling = backend.streamWith(CALL, "sibling");
    backend.withhold(slow);

    byte[] request = bytes(3 * WINDOW, 1);
    h.client.send(1, request, true);
    h.pump();
    int sent = request.length - h.client.queuedBytes(1);
    assertThat(backend.dataBytes(slow)).as("the backend's window, no more").isEqualTo(SLOW_WINDOW);
    assertThat(h.client.windowGiven(1)).as("the client's window opened only by what reached the backend")
        .isLessThanOrEqualTo(backend.dataBytes(slow));
    assertThat(h.client.queuedBytes(1)).as("the client is held back by its window").isPositive();
    assertThat(sent - backend.dataBytes(slow)).as("bytes the router holds for the stream").isLessThanOrEqualTo(WINDOW);
    assertThat(h.front.config().isAutoRead()).as("the client connection is still read").isTrue();
    assertThat(h.link("v1").channel().config().isAutoRead()).isTrue();

    byte[] siblingRequest = bytes(200_000, 2);
    h.client.send(3, siblingRequest, true);
    h.pump();
    assertSameBytes(backend.data(sibling), siblingRequest, "the sibling's request passes the stalled stream");
    backend.headers(sibling, responseHeaders(), false);
    backend.send(sibling, bytes(200_000, 3), false);
    backend.headers(sibling, trailers(Status.Code.OK), true);
    h.pump();
    assertSameBytes(h.client.data(3), bytes(200_000, 3), "DATA");
    assertThat(h.clientStatus(3)).isEqualTo(Status.Code.OK);
    assertThat(backend.dataBytes(slow)).as("still stalled").isEqualTo(SLOW_WINDOW);

    backend.resume(slow);
    h.pump();
    assertSameBytes(backend.data(slow), request, "all of it, in order, once read");
    backend.headers(slow, responseHeaders(), false);
    backend.headers(slow, trailers(Status.Code.OK), true);
    h.pump();
    assertThat(h.clientStatus(1)).isEqualTo(Status.Code.OK);
    h.assertAllEnded(2);
    h.assertNothingHeld();
  }

  @Test
  void aClientThatReadsSlowlyHoldsBackOnlyItsStream() {
    h = new FrameHarness(FrameHarness.Options.defaults()
        .client(Http2Settings.defaultSettings().initialWindowSize(SLOW_WINDOW)));
    h.client.withhold(1);
    h.open(1, "slow", null, true);
    h.open(3, "sibling", null, true);
    RawPeer backend = h.backend("v1");
    int slow = backend.streamWith(CALL, "slow");
    int sibling = backend.streamWith(CALL, "sibling");

    byte[] response = bytes(3 * WINDOW, 4);
    backend.headers(slow, responseHeaders(), false);
    backend.send(slow, response, false);
    h.pump();
    int sent = response.length - backend.queuedBytes(slow);
    assertThat(h.client.dataBytes(1)).as("the client's window, no more").isEqualTo(SLOW_WINDOW);
    assertThat(backend.windowGiven(slow)).as("the backend's window opened only by what reached the client")
        .isLessThanOrEqualTo(h.client.dataBytes(1));
    assertThat(backend.queuedBytes(slow)).as("the backend is held back by its window").isPositive();
    assertThat(sent - h.client.dataBytes(1)).as("bytes the router holds for the stream").isLessThanOrEqualTo(WINDOW);
    assertThat(h.front.config().isAutoRead()).isTrue();
    assertThat(h.link("v1").channel().config().isAutoRead()).as("the backend connection is still read").isTrue();

    backend.headers(sibling, responseHeaders(), false);
    backend.send(sibling, bytes(300_000, 5), false);
    backend.headers(sibling, trailers(Status.Code.OK), true);
    h.pump();
    assertSameBytes(h.client.data(3), bytes(300_000, 5), "the sibling's response passes the stalled stream");
    assertThat(h.clientStatus(3)).isEqualTo(Status.Code.OK);
    assertThat(h.client.dataBytes(1)).as("still stalled").isEqualTo(SLOW_WINDOW);

    h.client.resume(1);
    h.pump();
    backend.headers(slow, trailers(Status.Code.OK), true);
    h.pump();
    assertSameBytes(h.client.data(1), response, "all of it, in order, once read");
    assertThat(h.clientStatus(1)).isEqualTo(Status.Code.OK);
    assertThat(h.client.frames(1, Kind.RST_STREAM)).isEmpty();
    h.assertAllEnded(2);
    h.assertNothingHeld();
  }
}
