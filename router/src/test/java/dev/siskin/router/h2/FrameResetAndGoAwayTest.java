package dev.siskin.router.h2;

import static dev.siskin.router.h2.FrameHarness.CALL;
import static dev.siskin.router.h2.FrameHarness.assertSameBytes;
import static dev.siskin.router.h2.FrameHarness.responseHeaders;
import static dev.siskin.router.h2.FrameHarness.trailers;
import static dev.siskin.router.h2.FrameHarness.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import dev.siskin.router.config.FailureSettings;
import dev.siskin.router.h2.RawPeer.Frame;
import dev.siskin.router.h2.RawPeer.Kind;
import dev.siskin.router.proxy.RetryStats;
import io.grpc.Status;
import io.netty.handler.codec.http2.Http2Error;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * RST_STREAM and GOAWAY at the frame level: a client's reset cancels the backend's stream; a backend's reset
 * reaches the client as a Trailers-Only status before the response started and as RST_STREAM after; a backend's
 * GOAWAY lets the calls up to its last stream id finish and refuses those above (retried on another backend when
 * retries are on), and the connection is replaced; the router's drain sends GOAWAY, refuses new streams, lets
 * the running calls finish and then closes.
 */
class FrameResetAndGoAwayTest extends FrameLevelTest {
  @Test
  void aClientsResetCancelsTheBackendsStreamAndNotItsSibling() {
    h = new FrameHarness();
    h.open(1, "reset");
    h.open(3, "sibling", null, true);
    RawPeer backend = h.backend("v1");
    int reset = backend.streamWith(CALL, "reset");
    int sibling = backend.streamWith(CALL, "sibling");
    backend.headers(reset, responseHeaders(), false);
    backend.send(reset, bytes(1000, 1), false);
    h.pump();

    h.client.rst(1, Http2Error.CANCEL);
    h.pump();
    List<Frame> resets = backend.frames(reset, Kind.RST_STREAM);
    assertThat(resets).hasSize(1);
    assertThat(resets.get(0).errorCode()).isEqualTo(Http2Error.CANCEL.code());
    assertThat(h.outcomes.finished()).singleElement()
        .satisfies(o -> assertThat(o.code()).isEqualTo(Status.Code.CANCELLED));

    backend.headers(sibling, FrameHarness.trailersOnly(Status.Code.OK, ""), true);
    h.pump();
    assertThat(h.clientStatus(3)).isEqualTo(Status.Code.OK);
    assertThat(backend.frames(sibling, Kind.RST_STREAM)).isEmpty();
    h.assertAllEnded(2);
    h.assertNothingHeld();
  }

  @Test
  void aBackendsResetBeforeTheResponseIsATrailersOnlyStatus() {
    h = new FrameHarness();
    h.open(1, "refused", null, true);
    h.open(3, "internal", null, true);
    RawPeer backend = h.backend("v1");
    backend.rst(backend.streamWith(CALL, "refused"), Http2Error.REFUSED_STREAM);
    backend.rst(backend.streamWith(CALL, "internal"), Http2Error.INTERNAL_ERROR);
    h.pump();
    for (int id : new int[] {1, 3}) {
      List<Frame> frames = h.client.frames(id);
      assertThat(frames).as("stream %d: one HEADERS ending it, no RST", id).hasSize(1);
      assertThat(frames.get(0).kind()).isEqualTo(Kind.HEADERS);
      assertThat(frames.get(0).headers().get(GrpcStatuses.GRPC_MESSAGE).toString()).contains("reset the stream");
    }
    assertThat(h.clientStatus(1)).as("a refused stream is UNAVAILABLE").isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(h.clientStatus(3)).isEqualTo(Status.Code.INTERNAL);
    h.assertAllEnded(2);
    h.assertNothingHeld();
  }

  @Test
  void aBackendsResetAfterTheResponseStartedResetsTheClientsStream() {
    h = new FrameHarness();
    h.open(1, "a", null, true);
    RawPeer backend = h.backend("v1");
    int id = backend.streamWith(CALL, "a");
    backend.headers(id, responseHeaders(), false);
    backend.send(id, bytes(100, 2), false);
    backend.rst(id, Http2Error.INTERNAL_ERROR);
    h.pump();
    List<Frame> resets = h.client.frames(1, Kind.RST_STREAM);
    assertThat(resets).hasSize(1);
    assertThat(resets.get(0).errorCode()).isEqualTo(Http2Error.INTERNAL_ERROR.code());
    assertSameBytes(h.client.data(1), bytes(100, 2), "the DATA before the reset");
    h.assertAllEnded(1);
    assertThat(h.outcomes.finished().get(0).code()).isEqualTo(Status.Code.INTERNAL);
    h.assertNothingHeld();
  }

  @Test
  void aBackendConnectionLostBetweenMessagesEndsTheStartedAnswerWithUnavailableTrailers() {
    h = new FrameHarness();
    h.open(1, "headers only", null, true);
    h.open(3, "one message", null, true);
    RawPeer backend = h.backend("v1");
    backend.headers(backend.streamWith(CALL, "headers only"), responseHeaders(), false);
    int message = backend.streamWith(CALL, "one message");
    backend.headers(message, responseHeaders(), false);
    byte[] whole = grpcMessage(bytes(300, 3));
    backend.send(message, java.util.Arrays.copyOfRange(whole, 0, 3), false); // a prefix across two frames
    backend.send(message, java.util.Arrays.copyOfRange(whole, 3, whole.length), false);
    h.pump();

    h.dropConnection("v1");
    for (int id : new int[] {1, 3}) {
      assertThat(h.client.frames(id, Kind.RST_STREAM)).as("stream %d: no reset", id).isEmpty();
      assertThat(h.clientStatus(id)).as("stream %d", id).isEqualTo(Status.Code.UNAVAILABLE);
      List<Frame> headers = h.client.frames(id, Kind.HEADERS);
      Frame trailers = headers.get(headers.size() - 1);
      assertThat(trailers.headers().status()).as("trailers carry no :status").isNull();
      assertThat(trailers.headers().get(GrpcStatuses.GRPC_MESSAGE).toString()).contains("after its answer had started");
    }
    assertSameBytes(h.client.data(3), whole, "the message before the loss");
    h.assertAllEnded(2);
    assertThat(h.outcomes.finished()).allSatisfy(o -> assertThat(o.code()).isEqualTo(Status.Code.UNAVAILABLE));
    h.assertNothingHeld();
  }

  @Test
  void aBackendConnectionLostInsideAMessageResetsTheClientsStreamAndReportsWhatTheClientSees() {
    h = new FrameHarness();
    h.open(1, "a", null, true);
    RawPeer backend = h.backend("v1");
    int id = backend.streamWith(CALL, "a");
    backend.headers(id, responseHeaders(), false);
    byte[] whole = grpcMessage(bytes(300, 4));
    backend.send(id, java.util.Arrays.copyOfRange(whole, 0, 100), false);
    h.pump();

    h.dropConnection("v1");
    // Trailers after half a message read as "end-of-stream mid-frame" whatever they say: the router resets.
    List<Frame> resets = h.client.frames(1, Kind.RST_STREAM);
    assertThat(resets).hasSize(1);
    assertThat(resets.get(0).errorCode()).isEqualTo(Http2Error.INTERNAL_ERROR.code());
    h.assertAllEnded(1);
    assertThat(h.outcomes.finished().get(0).code()).as("the outcome is what the client saw")
        .isEqualTo(Status.Code.INTERNAL);
    h.assertNothingHeld();
  }

  /** {@code body} as one uncompressed gRPC message: flag, 32-bit length, bytes. */
  private static byte[] grpcMessage(byte[] body) {
    return java.nio.ByteBuffer.allocate(5 + body.length).put((byte) 0).putInt(body.length).put(body).array();
  }

  @Test
  void aBackendsGoAwayFinishesTheCallsBelowItsLastStreamAndRefusesThoseAbove() {
    h = new FrameHarness();
    h.open(1, "a");
    h.open(3, "b");
    h.open(5, "c");
    RawPeer backend = h.backend("v1");
    int a = backend.streamWith(CALL, "a");
    int b = backend.streamWith(CALL, "b");
    backend.goAway(b, Http2Error.NO_ERROR);
    h.pump();
    assertThat(h.clientStatus(5)).as("above the last stream id: refused").isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(h.client.frames(1)).as("below it: goes on").allSatisfy(f -> assertThat(f.endStream()).isFalse());

    h.client.send(1, bytes(300, 3), true);
    h.client.send(3, bytes(300, 4), true);
    h.client.send(5, new byte[0], true); // the client ends its half of the refused call (the router ended its)
    h.pump();
    assertSameBytes(backend.data(a), bytes(300, 3), "a's request after the GOAWAY");
    for (int id : new int[] {a, b}) {
      backend.headers(id, responseHeaders(), false);
      backend.send(id, bytes(200, id), false);
      backend.headers(id, trailers(Status.Code.OK), true);
    }
    h.pump();
    assertThat(h.clientStatus(1)).isEqualTo(Status.Code.OK);
    assertThat(h.clientStatus(3)).isEqualTo(Status.Code.OK);
    assertThat(h.link("v1").channel().isOpen()).as("closed once its last stream ended").isFalse();

    h.open(7, "d", null, true);
    assertThat(h.links).as("a new call opens a new connection").hasSize(2);
    RawPeer second = h.backend("v1");
    int d = second.streamWith(CALL, "d");
    assertThat(d).isPositive();
    second.headers(d, FrameHarness.trailersOnly(Status.Code.OK, ""), true);
    h.assertAllEnded(4);
    h.assertNothingHeld();
  }

  @Test
  void withRetriesTheCallsAboveABackendsGoAwayAreReplayedOnAnother() {
    h = new FrameHarness(FrameHarness.Options.defaults().backends("v1", "v2").withRetries());
    h.open(1, "a");
    h.open(3, "b");
    h.client.send(3, bytes(700, 5), true);
    h.pump();
    RawPeer v1 = h.backend("v1");
    v1.goAway(v1.streamWith(CALL, "a"), Http2Error.NO_ERROR);
    h.pump();
    RawPeer v2 = h.backend("v2");
    int b = v2.streamWith(CALL, "b");
    assertThat(b).as("b went to v2").isPositive();
    assertSameBytes(v2.data(b), bytes(700, 5), "b's request, replayed whole");
    assertThat(h.client.frames(3)).as("nothing of the refused attempt reached the client").isEmpty();
    v2.headers(b, FrameHarness.trailersOnly(Status.Code.OK, ""), true);
    h.pump();
    assertThat(h.clientStatus(3)).isEqualTo(Status.Code.OK);
    assertThat(h.client.frames(3, Kind.HEADERS).get(0).headers().get(ProxiedCall.BACKEND_HEADER).toString())
        .isEqualTo("v2");

    int a = v1.streamWith(CALL, "a");
    h.client.send(1, new byte[0], true);
    v1.headers(a, FrameHarness.trailersOnly(Status.Code.OK, ""), true);
    h.pump();
    assertThat(h.clientStatus(1)).isEqualTo(Status.Code.OK);
    h.assertAllEnded(2);
    assertThat(h.outcomes.finished()).filteredOn(o -> o.attempts() == 2).singleElement()
        .satisfies(o -> assertThat(o.first().backend()).isEqualTo("v1"));
    h.assertNothingHeld();
  }

  /**
   * The retry buffer ({@code router.retry.buffer-limit}): a request that stays within it is kept and replayed whole
   * on another backend; one that passed it is not kept, so when its attempt is refused it ends UNAVAILABLE at once,
   * and the skipped retry is counted.
   */
  @Test
  void withRetriesARequestPastTheBufferLimitIsNotReplayedAndIsCounted() {
    FailureSettings.Retry d = FailureSettings.defaults().retry();
    FailureSettings.Retry kb = new FailureSettings.Retry(d.maxAttempts(), 1000, d.budgetPercent(),
        d.budgetMinConcurrency(), d.idempotentMethods(), d.idempotentCodes());
    h = new FrameHarness(FrameHarness.Options.defaults().backends("v1", "v2").withRetries(kb));
    h.open(1, "a");
    h.open(3, "within");
    h.client.send(3, bytes(1000, 7), true);
    h.open(5, "past");
    h.client.send(5, bytes(600, 8), false);
    h.client.send(5, bytes(600, 9), true);
    h.pump();
    RawPeer v1 = h.backend("v1");
    assertThat(v1.streamWith(CALL, "past")).as("sent on at once, kept or not").isPositive();
    v1.goAway(v1.streamWith(CALL, "a"), Http2Error.NO_ERROR);
    h.pump();

    RawPeer v2 = h.backend("v2");
    int within = v2.streamWith(CALL, "within");
    assertSameBytes(v2.data(within), bytes(1000, 7), "1000 bytes, at the limit: replayed whole");
    assertThat(v2.streamWith(CALL, "past")).as("1200 bytes, past the limit: never replayed").isEqualTo(-1);
    assertThat(h.clientStatus(5)).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(h.resilience.retries().skippedTotal(RetryStats.Skipped.BUFFER_LIMIT)).isEqualTo(1);

    v2.headers(within, FrameHarness.trailersOnly(Status.Code.OK, ""), true);
    h.client.send(1, new byte[0], true);
    v1.headers(v1.streamWith(CALL, "a"), FrameHarness.trailersOnly(Status.Code.OK, ""), true);
    h.pump();
    assertThat(h.clientStatus(3)).isEqualTo(Status.Code.OK);
    assertThat(h.clientStatus(1)).isEqualTo(Status.Code.OK);
    h.assertAllEnded(3);
    h.assertNothingHeld();
  }

  @Test
  void theRoutersDrainSendsGoAwayRefusesNewStreamsAndClosesAfterTheLastCall() {
    h = new FrameHarness();
    h.open(1, "a", null, true);
    h.open(3, "b", null, true);
    FrameForwarder.drain(h.front, Duration.ofSeconds(30));
    h.pump();
    List<Frame> goAways = h.client.frames(Kind.GOAWAY);
    assertThat(goAways).extracting(Frame::lastStreamId).as("first all streams, after the PING's ACK the last")
        .containsExactly(Integer.MAX_VALUE, 3);
    assertThat(goAways).extracting(Frame::errorCode).containsOnly(Http2Error.NO_ERROR.code());

    h.open(5, "late", null, true);
    RawPeer backend = h.backend("v1");
    assertThat(backend.streamWith(CALL, "late")).as("a stream after the GOAWAY never reaches a backend").isEqualTo(-1);
    assertThat(h.front.isOpen()).as("open while calls run").isTrue();

    h.answer(backend, "a");
    assertThat(h.clientStatus(1)).isEqualTo(Status.Code.OK);
    assertThat(h.front.isOpen()).isTrue();
    h.answer(backend, "b");
    assertThat(h.clientStatus(3)).isEqualTo(Status.Code.OK);
    assertThat(h.front.isOpen()).as("closed after the last call").isFalse();
    h.assertAllEnded(2);
    h.assertNothingHeld();
  }

  /**
   * The race of a drain under load: the client sent a call before it read the GOAWAY, so the router reads that
   * call's HEADERS and DATA after sending it. The call is served, and no call on the connection is cut. (With one
   * GOAWAY naming the last stream, Netty refused the HEADERS and took the DATA for a connection error, which
   * closed the connection under the running call.)
   */
  @Test
  void aCallTheClientSentBeforeReadingTheDrainsGoAwayIsServedAndCutsNoOther() {
    h = new FrameHarness();
    h.open(1, "running", null, false);
    h.client.send(1, bytes(100, 1), true);
    h.pump();
    FrameForwarder.drain(h.front, Duration.ofSeconds(30));
    h.client.headers(3, FrameHarness.request("in-flight"), false); // written before the GOAWAY is read
    h.client.send(3, bytes(100, 2), true);
    h.pump();
    assertThat(h.front.isOpen()).as("open while calls run").isTrue();
    assertThat(h.client.frames(Kind.GOAWAY)).extracting(Frame::lastStreamId)
        .containsExactly(Integer.MAX_VALUE, 3);
    assertThat(h.client.frames(3, Kind.RST_STREAM)).as("the in-flight call is not refused").isEmpty();

    RawPeer backend = h.backend("v1");
    assertThat(backend.streamWith(CALL, "in-flight")).as("the in-flight call reached a backend").isPositive();
    h.answer(backend, "running");
    h.answer(backend, "in-flight");
    assertThat(h.clientStatus(1)).isEqualTo(Status.Code.OK);
    assertThat(h.clientStatus(3)).isEqualTo(Status.Code.OK);
    assertThat(h.front.isOpen()).as("closed after the last call").isFalse();
    h.assertAllEnded(2);
    h.assertNothingHeld();
  }

  @Test
  void aResponseThatEndsBeforeItsRequestLeavesNoBackendStreamOpen() {
    h = new FrameHarness();
    h.open(1, "early");
    h.client.send(1, bytes(100, 6), false);
    h.pump();
    RawPeer backend = h.backend("v1");
    int id = backend.streamWith(CALL, "early");
    backend.headers(id, FrameHarness.trailersOnly(Status.Code.INVALID_ARGUMENT, "bad request"), true);
    h.pump();
    assertThat(h.clientStatus(1)).isEqualTo(Status.Code.INVALID_ARGUMENT);
    h.client.send(1, bytes(100, 7), true); // the client's request ends after the answer, as gRPC allows
    h.pump();
    assertThat(backend.ended(id)).as("the router closed its half of the backend's stream").isTrue();
    assertThat(h.link("v1").connection().numActiveStreams()).isZero();
    h.assertAllEnded(1);
    h.assertNothingHeld();
  }
}
