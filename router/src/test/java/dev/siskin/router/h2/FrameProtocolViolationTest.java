package dev.siskin.router.h2;

import static dev.siskin.router.h2.FrameHarness.CALL;
import static dev.siskin.router.h2.FrameHarness.responseHeaders;
import static dev.siskin.router.h2.FrameHarness.trailers;
import static dev.siskin.router.h2.FrameHarness.trailersOnly;
import static dev.siskin.router.h2.FrameHarness.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import dev.siskin.router.h2.RawPeer.Kind;
import io.grpc.Status;
import java.net.ConnectException;
import org.junit.jupiter.api.Test;

/**
 * A backend that breaks the protocol (DATA on a stream it never had, garbage bytes, HEADERS after the end of a
 * stream, DATA before HEADERS) or cannot be reached: the calls it carries end with a clear status, the calls on
 * other backends and the client's connection go on, and the next call gets a fresh connection.
 */
class FrameProtocolViolationTest extends FrameLevelTest {
  @Test
  void dataOnAStreamTheBackendNeverHadEndsItsCallsUnavailable() {
    h = new FrameHarness();
    h.open(1, "bad", null, true);
    h.open(3, "started", null, true);
    RawPeer v1 = h.backend("v1");
    int started = v1.streamWith(CALL, "started");
    v1.headers(started, responseHeaders(), false);
    v1.send(started, bytes(10, 1), false);
    h.pump();
    v1.send(99, bytes(10, 2), false); // an idle stream: a connection error
    h.pump();
    assertThat(v1.frames(Kind.GOAWAY)).as("the router ends the broken connection").hasSize(1);
    assertThat(h.clientStatus(1)).as("no response yet: a status").isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(h.client.frames(1, Kind.HEADERS).get(0).headers().get(GrpcStatuses.GRPC_MESSAGE).toString())
        .contains("siskin router").contains("backend");
    assertThat(h.client.frames(3, Kind.RST_STREAM)).as("a started response: a reset").hasSize(1);
    assertThat(h.link("v1").channel().isOpen()).isFalse();
    h.open(5, "after", null, true);
    assertThat(h.links).as("a fresh connection for the next call").hasSize(2);
    RawPeer fresh = h.backend("v1");
    h.answer(fresh, "after");
    assertThat(h.clientStatus(5)).isEqualTo(Status.Code.OK);
    assertThat(h.client.frames(Kind.GOAWAY)).isEmpty();
    h.assertAllEnded(3);
    h.assertNothingHeld();
  }

  @Test
  void garbageFromABackendEndsItsCallsAndNotTheClientsConnection() {
    h = new FrameHarness(FrameHarness.Options.defaults().backends("v1", "v2"));
    h.open(1, "bad", null, true);
    RawPeer v1 = h.backend("v1");
    v1.raw(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x42, 0x42});
    h.pump();
    assertThat(h.link("v1").channel().isOpen()).isFalse();
    assertThat(h.clientStatus(1)).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(h.outcomes.finished()).singleElement().satisfies(o -> {
      assertThat(o.code()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(o.backend()).isEqualTo("v1");
    });
    h.open(3, "after", null, true);
    RawPeer fresh = h.backend("v1");
    h.answer(fresh, "after");
    assertThat(h.clientStatus(3)).isEqualTo(Status.Code.OK);
    assertThat(h.client.frames(Kind.GOAWAY)).isEmpty();
    h.assertAllEnded(2);
    h.assertNothingHeld();
  }

  @Test
  void headersAfterTheEndOfAStreamDoNotReachTheClient() {
    h = new FrameHarness();
    h.open(1, "done", null, true);
    h.open(3, "sibling", null, true);
    RawPeer v1 = h.backend("v1");
    int done = v1.streamWith(CALL, "done");
    int sibling = v1.streamWith(CALL, "sibling");
    v1.headers(done, responseHeaders(), false);
    v1.headers(done, trailers(Status.Code.OK), true);
    h.pump();
    v1.headers(done, trailers(Status.Code.INTERNAL), true);
    v1.send(done, bytes(10, 3), true);
    h.pump();
    assertThat(h.client.frames(1)).as("the response and its trailers, nothing after").hasSize(2);
    assertThat(h.clientStatus(1)).isEqualTo(Status.Code.OK);
    v1.headers(sibling, trailersOnly(Status.Code.OK, ""), true);
    h.pump();
    assertThat(h.clientStatus(3)).as("the sibling on the same connection is unaffected").isEqualTo(Status.Code.OK);
    h.assertAllEnded(2);
    assertThat(h.outcomes.finished()).allSatisfy(o -> assertThat(o.code()).isEqualTo(Status.Code.OK));
    h.assertNothingHeld();
  }

  @Test
  void dataBeforeResponseHeadersIsNotPassedOnAsAResponseWithoutHeaders() {
    h = new FrameHarness();
    h.open(1, "bad", null, true);
    RawPeer v1 = h.backend("v1");
    int id = v1.streamWith(CALL, "bad");
    v1.send(id, bytes(20, 4), false);
    h.pump();
    var first = h.client.frames(1).stream().findFirst();
    assertThat(first).as("the client's stream got an answer").isPresent();
    assertThat(first.get().kind()).as("a response starts with HEADERS (RFC 9113, 8.1)").isNotEqualTo(Kind.DATA);
    v1.headers(id, trailers(Status.Code.OK), true);
    h.assertAllEnded(1);
    h.assertNothingHeld();
  }

  @Test
  void aConnectThatFailsAtOnceEndsTheCallUnavailable() {
    h = new FrameHarness();
    h.connectFailure = address -> new ConnectException("refused at once: " + address);
    h.open(1, "a", null, true);
    assertThat(h.clientStatus(1)).as("the call is answered").isEqualTo(Status.Code.UNAVAILABLE);
    h.assertAllEnded(1);
    h.assertNothingHeld();
  }
}
