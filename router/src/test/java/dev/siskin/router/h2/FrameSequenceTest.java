package dev.siskin.router.h2;

import static dev.siskin.router.h2.FrameHarness.CALL;
import static dev.siskin.router.h2.FrameHarness.responseHeaders;
import static dev.siskin.router.h2.FrameHarness.trailers;
import static org.assertj.core.api.Assertions.assertThat;

import dev.siskin.router.h2.FrameHarness.BackendLink;
import io.grpc.Status;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Settings;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Property-based, by seeded random runs (each seed is one reproducible try): random sequences of frames -- calls
 * opened, DATA of random sizes both ways, resets both ways, response headers, trailers and Trailers-Only
 * answers, windows withheld and given again on either side, a backend's GOAWAY -- over the EmbeddedChannel
 * harness, with one sibling call that both sides always read. For every sequence: the sibling's DATA gets
 * through after every step, no stream is left open on any connection once every call ended, every call reports
 * one outcome, and no buffer is held -- of the router's (a counting allocator) or of those the test handed it
 * (refCnt) -- besides {@link LeakCheck}'s watch on Netty's leak detector.
 *
 * <p>A failure names its seed and the steps taken, to replay with {@link #run(long)}.
 */
@ExtendWith(LeakCheck.class)
class FrameSequenceTest {
  private static final int TRIES = 200;
  private static final int STEPS = 30;
  private static final String SIBLING = "sibling";
  private static final Status.Code[] CODES =
      {Status.Code.OK, Status.Code.NOT_FOUND, Status.Code.UNAVAILABLE, Status.Code.INTERNAL};
  private static final Http2Error[] RESETS = {Http2Error.CANCEL, Http2Error.INTERNAL_ERROR, Http2Error.REFUSED_STREAM};
  private static final int[] WINDOWS = {16384, 65535, FrameForwarder.WINDOW_BYTES};

  @Test
  void randomFrameSequencesLeakNothingLeaveNoStreamOpenAndNeverStallTheSibling() {
    for (long seed = 0; seed < TRIES; seed++) {
      run(seed);
    }
  }

  /** One try; throws with the seed and its steps when a property does not hold. */
  static void run(long seed) {
    Sequence s = new Sequence(seed);
    try {
      s.play();
    } catch (AssertionError | RuntimeException e) {
      throw new AssertionError("seed " + seed + " failed after steps " + s.steps + ": " + e.getMessage()
          + "\n" + s.describe(), e);
    } finally {
      s.h.close();
    }
  }

  /** One random sequence and what the test has sent so far. */
  private static final class Sequence {
    private final Random random;
    private final FrameHarness h;
    final List<String> steps = new ArrayList<>();
    private final List<String> calls = new ArrayList<>();
    private final Set<Integer> clientEnded = new HashSet<>();
    private final Set<Integer> clientReset = new HashSet<>();
    /** Backend streams, as "link/id", that the test's backend ended or reset. */
    private final Set<String> backendEnded = new HashSet<>();
    private final Set<String> responseStarted = new HashSet<>();
    private final Set<Integer> goneAway = new HashSet<>();
    private final Set<Integer> clientWithheld = new HashSet<>();
    private final Set<String> backendWithheld = new HashSet<>();

    Sequence(long seed) {
      random = new Random(seed);
      FrameHarness.Options o = FrameHarness.Options.defaults().backends("v1", "v2")
          .client(Http2Settings.defaultSettings().initialWindowSize(WINDOWS[random.nextInt(WINDOWS.length)]))
          .backend(Http2Settings.defaultSettings().initialWindowSize(WINDOWS[random.nextInt(WINDOWS.length)]));
      h = new FrameHarness(random.nextBoolean() ? o.withRetries() : o);
    }

    void play() {
      open(SIBLING, false);
      Place sibling = place(SIBLING);
      sibling.peer().headers(sibling.id(), responseHeaders(), false);
      responseStarted.add(sibling.key());
      for (int i = 0; i < STEPS; i++) {
        step();
        h.pump();
        siblingFlows(sibling);
      }
      finish(sibling);
    }

    private void step() {
      int choice = random.nextInt(10);
      List<String> running = calls.stream().filter(c -> !c.equals(SIBLING)).toList();
      if (choice == 0 || running.isEmpty()) {
        open("c" + calls.size(), random.nextInt(4) == 0);
        return;
      }
      String call = running.get(random.nextInt(running.size()));
      int clientId = clientId(call);
      Place p = place(call);
      switch (choice) {
        case 1, 2 -> {
          if (clientMaySend(clientId)) {
            boolean end = random.nextInt(3) == 0;
            int n = random.nextInt(64 * 1024);
            log("client DATA " + n + (end ? " end" : "") + " on " + call);
            h.client.send(clientId, new byte[n], end);
            if (end) {
              clientEnded.add(clientId);
            }
          }
        }
        case 3 -> {
          if (!h.client.ended(clientId) && clientReset.add(clientId)) {
            clientEnded.add(clientId);
            log("client RST on " + call);
            h.client.rst(clientId, Http2Error.CANCEL);
          }
        }
        case 4, 5 -> {
          if (backendMaySend(p)) {
            if (responseStarted.add(p.key())) {
              log("backend HEADERS on " + call);
              p.peer().headers(p.id(), responseHeaders(), false);
            } else {
              int n = random.nextInt(64 * 1024);
              log("backend DATA " + n + " on " + call);
              p.peer().send(p.id(), new byte[n], false);
            }
          }
        }
        case 6 -> {
          if (backendMaySend(p)) {
            Status.Code code = CODES[random.nextInt(CODES.length)];
            boolean only = !responseStarted.contains(p.key());
            log("backend " + (only ? "Trailers-Only " : "trailers ") + code + " on " + call);
            p.peer().headers(p.id(), only ? FrameHarness.trailersOnly(code, "x") : trailers(code), true);
            backendEnded.add(p.key());
          }
        }
        case 7 -> {
          if (backendMaySend(p)) {
            Http2Error e = RESETS[random.nextInt(RESETS.length)];
            log("backend RST " + e + " on " + call);
            p.peer().rst(p.id(), e);
            backendEnded.add(p.key());
          }
        }
        case 8 -> toggleWindow(call, clientId, p);
        default -> goAway(p);
      }
    }

    private void toggleWindow(String call, int clientId, Place p) {
      if (random.nextBoolean()) {
        if (clientWithheld.add(clientId)) {
          log("client withholds " + call);
          h.client.withhold(clientId);
        } else {
          log("client reads " + call);
          clientWithheld.remove(clientId);
          h.client.resume(clientId);
        }
      } else if (p != null) {
        if (backendWithheld.add(p.key())) {
          log("backend withholds " + call);
          p.peer().withhold(p.id());
        } else {
          log("backend reads " + call);
          backendWithheld.remove(p.key());
          p.peer().resume(p.id());
        }
      }
    }

    /** The backend's GOAWAY, never below the sibling's stream (which must go on). */
    private void goAway(Place p) {
      if (p == null || !p.link().channel().isOpen() || !goneAway.add(h.links.indexOf(p.link()))) {
        return;
      }
      Place sibling = place(SIBLING);
      int last = p.id() - 2 * random.nextInt(2);
      if (sibling.link() == p.link()) {
        last = Math.max(last, sibling.id());
      }
      log("backend GOAWAY last " + last + " on " + h.links.indexOf(p.link()));
      p.peer().goAway(last, Http2Error.NO_ERROR);
    }

    /** Both sides read the sibling: a chunk each way gets through whatever the other streams do. */
    private void siblingFlows(Place sibling) {
      int n = 1 + random.nextInt(20_000);
      RawPeer backend = sibling.peer();
      int before = backend.dataBytes(sibling.id());
      h.client.send(1, new byte[n], false);
      h.pump();
      assertThat(backend.dataBytes(sibling.id()) - before).as("the sibling's request DATA got through").isEqualTo(n);
      int clientBefore = h.client.dataBytes(1);
      backend.send(sibling.id(), new byte[n], false);
      h.pump();
      assertThat(h.client.dataBytes(1) - clientBefore).as("the sibling's response DATA got through").isEqualTo(n);
    }

    /** Reads everything withheld, ends every call from both sides, and checks what is left. */
    private void finish(Place sibling) {
      clientWithheld.forEach(h.client::resume);
      for (BackendLink l : h.links) {
        for (String key : backendWithheld) {
          String[] parts = key.split("/");
          if (h.links.indexOf(l) == Integer.parseInt(parts[0])) {
            l.peer().resume(Integer.parseInt(parts[1]));
          }
        }
      }
      h.pump();
      for (String call : calls) {
        Place p = place(call);
        if (backendMaySend(p)) {
          p.peer().headers(p.id(), responseStarted.contains(p.key()) ? trailers(Status.Code.OK)
              : FrameHarness.trailersOnly(Status.Code.OK, ""), true);
          backendEnded.add(p.key());
        }
      }
      h.pump();
      for (String call : calls) {
        int id = clientId(call);
        boolean reset = !h.client.frames(id, RawPeer.Kind.RST_STREAM).isEmpty();
        if (!clientEnded.contains(id) && !reset) {
          h.client.send(id, new byte[0], true);
          clientEnded.add(id);
        }
      }
      h.pump();
      for (String call : calls) {
        int id = clientId(call);
        assertThat(clientReset.contains(id) || h.client.ended(id)).as("call %s answered", call).isTrue();
      }
      h.assertAllEnded(calls.size());
      h.assertNothingHeld();
    }

    // ------------------------------------------------------------------------------------------- the model

    private void open(String call, boolean end) {
      log("open " + call + (end ? " end" : ""));
      int id = 1 + 2 * calls.size();
      calls.add(call);
      if (end) {
        clientEnded.add(id);
      }
      h.open(id, call, null, end);
    }

    private int clientId(String call) {
      return 1 + 2 * calls.indexOf(call);
    }

    /** Where a call is served now: the backend stream that got its HEADERS last (its latest attempt), or null. */
    private Place place(String call) {
      Place latest = null;
      long latestOrder = -1;
      for (int i = 0; i < h.links.size(); i++) {
        BackendLink l = h.links.get(i);
        RawPeer.Frame f = l.peer().headersWith(CALL, call);
        if (f != null && f.order() > latestOrder) {
          latestOrder = f.order();
          latest = new Place(l, f.streamId(), i + "/" + f.streamId());
        }
      }
      return latest;
    }

    private boolean clientMaySend(int clientId) {
      return !clientEnded.contains(clientId) && !h.client.ended(clientId);
    }

    private boolean backendMaySend(Place p) {
      return p != null && p.link().channel().isOpen() && !backendEnded.contains(p.key())
          && p.peer().frames(p.id(), RawPeer.Kind.RST_STREAM).isEmpty();
    }

    /** Every call's frames on each connection, for a failure's message. */
    String describe() {
      StringBuilder out = new StringBuilder("retries " + (h.resilience != null) + "\n");
      for (String call : calls) {
        out.append(call).append(": client ").append(h.client.frames(clientId(call))).append('\n');
        for (BackendLink l : h.links) {
          int id = l.peer().streamWith(CALL, call);
          if (id > 0) {
            out.append("  ").append(l.peer()).append(l.channel().isOpen() ? "" : " (closed)").append(' ')
                .append(l.peer().frames(id)).append('\n');
          }
        }
      }
      return out.toString();
    }

    private void log(String step) {
      steps.add(step);
    }
  }

  private record Place(BackendLink link, int id, String key) {
    RawPeer peer() {
      return link.peer();
    }
  }
}
