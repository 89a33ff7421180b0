package dev.siskin.router.h2;

import static dev.siskin.router.h2.FrameHarness.CALL;
import static dev.siskin.router.h2.FrameHarness.bytes;
import static dev.siskin.router.h2.FrameHarness.assertSameBytes;
import static dev.siskin.router.h2.FrameHarness.responseHeaders;
import static dev.siskin.router.h2.FrameHarness.trailers;
import static org.assertj.core.api.Assertions.assertThat;

import dev.siskin.router.h2.RawPeer.Frame;
import dev.siskin.router.h2.RawPeer.Kind;
import io.grpc.Status;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The frame core's headers at the frame level (no sockets, {@link FrameHarness}): a call's HEADERS, DATA and
 * trailers pass as sent, with x-canary-backend added; a Trailers-Only answer stays one HEADERS frame; {@code -bin}
 * values pass byte for byte both ways; a header block split over HEADERS and CONTINUATION frames arrives whole.
 */
class FrameHeadersTest extends FrameLevelTest {
  @Test
  void aCallsFramesPassBothWaysAndTheBackendIsNamed() {
    h = new FrameHarness();
    h.open(1, "a");
    h.client.send(1, bytes(100, 1), true);
    h.pump();
    RawPeer backend = h.backend("v1");
    int id = backend.streamWith(CALL, "a");
    assertThat(id).isPositive();
    assertThat(backend.frames(id, Kind.HEADERS).get(0).headers().path().toString()).isEqualTo(FrameHarness.METHOD);
    assertSameBytes(backend.data(id), bytes(100, 1), "DATA");
    assertThat(backend.frames(id, Kind.DATA).get(backend.frames(id, Kind.DATA).size() - 1).endStream()).isTrue();

    backend.headers(id, responseHeaders(), false);
    backend.send(id, bytes(5000, 2), false);
    backend.headers(id, trailers(Status.Code.OK).set("x-trailer", "t"), true);
    h.pump();
    List<Frame> headers = h.client.frames(1, Kind.HEADERS);
    assertThat(headers).hasSize(2);
    assertThat(headers.get(0).headers().get(ProxiedCall.BACKEND_HEADER).toString()).isEqualTo("v1");
    assertThat(headers.get(1).headers().get("x-trailer").toString()).isEqualTo("t");
    assertSameBytes(h.client.data(1), bytes(5000, 2), "DATA");
    assertThat(h.clientStatus(1)).isEqualTo(Status.Code.OK);
    h.assertAllEnded(1);
    assertThat(h.outcomes.finished().get(0).code()).isEqualTo(Status.Code.OK);
    assertThat(h.outcomes.finished().get(0).bytesIn()).isEqualTo(100);
    assertThat(h.outcomes.finished().get(0).bytesOut()).isEqualTo(5000);
    h.assertNothingHeld();
  }

  @Test
  void aTrailersOnlyAnswerReachesTheClientAsOneHeadersFrame() {
    h = new FrameHarness();
    h.open(1, "a", null, true);
    RawPeer backend = h.backend("v1");
    int id = backend.streamWith(CALL, "a");
    backend.headers(id, FrameHarness.trailersOnly(Status.Code.NOT_FOUND, "no such model"), true);
    h.pump();
    List<Frame> frames = h.client.frames(1);
    assertThat(frames).as("one HEADERS with END_STREAM, no DATA, no RST").hasSize(1);
    Http2Headers only = frames.get(0).headers();
    assertThat(frames.get(0).endStream()).isTrue();
    assertThat(only.status().toString()).isEqualTo("200");
    assertThat(only.get(GrpcStatuses.GRPC_MESSAGE).toString()).isEqualTo("no such model");
    assertThat(only.get(ProxiedCall.BACKEND_HEADER).toString()).isEqualTo("v1");
    assertThat(h.clientStatus(1)).isEqualTo(Status.Code.NOT_FOUND);
    h.assertAllEnded(1);
    assertThat(h.outcomes.finished().get(0).code()).isEqualTo(Status.Code.NOT_FOUND);
    h.assertNothingHeld();
  }

  @Test
  void binaryHeadersPassByteForByteBothWays() {
    h = new FrameHarness();
    byte[] every = new byte[256];
    for (int i = 0; i < every.length; i++) {
      every[i] = (byte) i;
    }
    // gRPC sends -bin values as base64, padded or not; either must reach the other side exactly as written.
    String padded = Base64.getEncoder().encodeToString(every);
    String unpadded = Base64.getEncoder().withoutPadding().encodeToString(new byte[] {(byte) 0xff, 0, 1, 2, 3});
    Http2Headers extra = new DefaultHttp2Headers().set("x-blob-bin", padded).add("x-multi-bin", unpadded)
        .add("x-multi-bin", padded);
    h.open(1, "a", extra, true);
    RawPeer backend = h.backend("v1");
    int id = backend.streamWith(CALL, "a");
    Http2Headers got = backend.frames(id, Kind.HEADERS).get(0).headers();
    assertThat(got.get("x-blob-bin").toString()).isEqualTo(padded);
    assertThat(got.getAll("x-multi-bin")).extracting(CharSequence::toString).containsExactly(unpadded, padded);

    backend.headers(id, responseHeaders().set("x-resp-bin", unpadded), false);
    backend.headers(id, trailers(Status.Code.OK).set("x-trailer-bin", padded), true);
    h.pump();
    List<Frame> headers = h.client.frames(1, Kind.HEADERS);
    assertThat(headers.get(0).headers().get("x-resp-bin").toString()).isEqualTo(unpadded);
    assertThat(headers.get(1).headers().get("x-trailer-bin").toString()).isEqualTo(padded);
    assertThat(Base64.getDecoder().decode(headers.get(1).headers().get("x-trailer-bin").toString())).isEqualTo(every);
    h.assertAllEnded(1);
    h.assertNothingHeld();
  }

  @Test
  void aHeaderBlockOverHeadersAndContinuationFramesArrivesWhole() throws Exception {
    h = new FrameHarness();
    // 6 KiB of random base64 (HPACK's Huffman code barely shrinks it), in fragments of 1 KiB: one HEADERS and
    // several CONTINUATION frames, under the 8 KiB header list the router announces (Netty's default).
    String value = Base64.getEncoder().encodeToString(bytes(4608, 7));
    h.client.headersInFragments(1, FrameHarness.request("a").set("x-large-bin", value), true, 1024);
    h.pump();
    RawPeer backend = h.backend("v1");
    int id = backend.streamWith(CALL, "a");
    assertThat(id).isPositive();
    assertThat(backend.frames(id, Kind.HEADERS).get(0).headers().get("x-large-bin").toString()).isEqualTo(value);

    backend.headersInFragments(id, responseHeaders().set("x-large-bin", value), false, 1024);
    backend.headersInFragments(id, trailers(Status.Code.OK).set("x-large-trailer-bin", value), true, 1500);
    h.pump();
    List<Frame> headers = h.client.frames(1, Kind.HEADERS);
    assertThat(headers).hasSize(2);
    assertThat(headers.get(0).headers().get("x-large-bin").toString()).isEqualTo(value);
    assertThat(headers.get(1).headers().get("x-large-trailer-bin").toString()).isEqualTo(value);
    h.assertAllEnded(1);
    h.assertNothingHeld();
  }

  @Test
  void aTwelveKibHeaderBlockAboveTheRoutersLimitIsRefusedForItsCallAlone() throws Exception {
    h = new FrameHarness();
    h.open(1, "sibling", null, true);
    // 12 KiB over HEADERS and two CONTINUATION frames: above the 8 KiB header list the router announces.
    String value = Base64.getEncoder().encodeToString(bytes(9216, 8));
    h.client.headersInFragments(3, FrameHarness.request("large").set("x-large-bin", value), true, 4096);
    h.pump();
    List<Frame> refused = h.client.frames(3);
    assertThat(refused).extracting(Frame::kind).containsExactly(Kind.HEADERS, Kind.RST_STREAM);
    assertThat(refused.get(0).headers().status().toString()).as("Netty's answer to a header list too large")
        .isEqualTo("431");
    RawPeer backend = h.backend("v1");
    assertThat(backend.streamWith(CALL, "large")).as("never forwarded").isEqualTo(-1);
    assertThat(h.client.frames(Kind.GOAWAY)).as("the connection goes on").isEmpty();
    h.answer(backend, "sibling");
    assertThat(h.clientStatus(1)).isEqualTo(Status.Code.OK);
    h.assertAllEnded(1);
    h.assertNothingHeld();
  }
}
