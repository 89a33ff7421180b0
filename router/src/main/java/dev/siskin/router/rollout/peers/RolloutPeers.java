package dev.siskin.router.rollout.peers;

import static java.util.Objects.requireNonNull;

import dev.siskin.router.config.RolloutSettings;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes several routers that share one config run one rollout. Every {@code rollout.peer-poll} it looks up
 * {@code rollout.routers}; the lowest address is the judge. The judge fetches every other router's observations
 * (the calls and comparisons its own judge would have been fed) and feeds them to its step judge, so it decides
 * from all the traffic, as one router serving every call would. The others keep their observations for it and
 * adopt its phase and step.
 *
 * <p>Safety rules (docs/rollout.md, "Several routers"): a follower never decides; it holds its step while the
 * judge is away, and a new judge (the lowest address changed: the old one left) resumes the step the routers are
 * at with fresh evidence, as after a restart. The judge advances only when every other listed router answered
 * within the last three polls and follows it in the same run, since otherwise it would judge a slice of the
 * traffic; a rollback needs no such agreement, because evidence against the canary from some of the calls is
 * still evidence. A follower gives its observations only to the judge it follows, so a moment when two routers
 * each take themselves for the judge never counts a call twice.
 *
 * <p>Thread-safety: polling runs on its own thread; {@link #record}, {@link #observations}, {@link #view} and
 * {@link #holdReason} may be called from any thread (volatile snapshots and the thread-safe buffer).
 */
public final class RolloutPeers {
  private static final Logger log = LoggerFactory.getLogger(RolloutPeers.class);
  /** Observations per answer; a judge that finds more waiting asks again at once. */
  static final int MAX_BATCH = 20_000;
  /** Headers of {@code GET /rollout/observations}. */
  public static final String JUDGE_HEADER = "x-siskin-judge";
  public static final String EXPECT_HEADER = "x-siskin-instance";
  public static final String AFTER_HEADER = "x-siskin-after";
  public static final String RUN_HEADER = "x-siskin-run";

  /** What the peers need of the local rollout (the controller). */
  public interface Local {
    /** The file's rollout plan now. */
    RolloutSettings plan();

    /** This router's rollout, as {@code /rollout/peer} tells it. */
    RemoteRollout describe(String instance, PeerRole role, String judge);

    /** This router's part changed (called on every poll; act only on a change). */
    void role(PeerRole role, String judge);

    /** A follower's news from the judge. */
    void follow(RemoteRollout judge, String judgeAddress);

    /** A judge's observations from a follower. */
    void ingest(List<Observation> observations);

    /**
     * A judge learns where a follower's rollout stands. A follower only ever holds what a judge decided, so one
     * that is further along (a later step, or ended) knows a decision this judge has not seen: it took over from
     * a judge that left, or started without the state file.
     */
    void catchUp(RemoteRollout follower, String followerAddress);
  }

  private final String instance = UUID.randomUUID().toString();
  private final Local local;
  private final PeerTransport transport;
  private final PeerAddresses.Lookup lookup;
  private final Clock clock;
  private volatile PeersView view;
  private volatile ObservationBuffer buffer = new ObservationBuffer(ObservationBuffer.DEFAULT_CAPACITY);
  private volatile String bufferRun = "";
  /** A follower: the judge it follows, the only one it gives observations to. */
  private volatile String followedJudge = "";
  // Poll thread only.
  private final Map<InetSocketAddress, Progress> progress = new HashMap<>();
  private final Set<InetSocketAddress> self = new HashSet<>();
  private List<InetSocketAddress> lastGood = List.of();
  private Instant judgeContact;
  private boolean judgeAway;
  private boolean lookupFailing;
  private ScheduledExecutorService thread;

  public RolloutPeers(Local local, PeerTransport transport, PeerAddresses.Lookup lookup, Clock clock) {
    this.local = requireNonNull(local, "local");
    this.transport = requireNonNull(transport, "transport");
    this.lookup = requireNonNull(lookup, "lookup");
    this.clock = requireNonNull(clock, "clock");
    this.view = new PeersView(PeerRole.ALONE, instance, "", null, "", "", List.of());
  }

  /** The JDK's HTTP client and name lookup. */
  public static RolloutPeers overHttp(Local local, Clock clock) {
    return overHttp(local, clock, Map::of);
  }

  /** As above, every request with {@code headers} too (the admin token's Authorization), read per request. */
  public static RolloutPeers overHttp(Local local, Clock clock, java.util.function.Supplier<Map<String, String>> headers) {
    return new RolloutPeers(local, PeerTransport.http(headers), InetAddress::getAllByName, clock);
  }

  /** As above, over HTTPS with {@code tls} when it is not null (the routers serve {@code router.admin-tls}). */
  public static RolloutPeers overHttp(Local local, Clock clock, java.util.function.Supplier<Map<String, String>> headers,
      javax.net.ssl.SSLContext tls) {
    return tls == null ? overHttp(local, clock, headers)
        : new RolloutPeers(local, PeerTransport.https(headers, tls), InetAddress::getAllByName, clock);
  }

  public String instance() {
    return instance;
  }

  public PeersView view() {
    return view;
  }

  /** Starts polling on a thread of its own (HTTP waits must not hold up the rollout's decisions). */
  public synchronized void start() {
    if (thread == null) {
      thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "siskin-rollout-peers");
        t.setDaemon(true);
        return t;
      });
      thread.schedule(this::pollAndRepeat, 0, TimeUnit.MILLISECONDS);
    }
  }

  public synchronized void stop() {
    if (thread != null) {
      thread.shutdownNow();
      thread = null;
    }
  }

  private void pollAndRepeat() {
    Duration next = Duration.ofSeconds(1);
    try {
      next = local.plan().peerPoll();
      poll();
    } catch (RuntimeException e) {
      log.error("rollout peers: a poll failed; it is tried again in {}", next, e);
    }
    synchronized (this) {
      if (thread != null) {
        thread.schedule(this::pollAndRepeat, next.toMillis(), TimeUnit.MILLISECONDS);
      }
    }
  }

  // ------------------------------------------------------------------------------------------- a follower's side

  /** A follower's observation of its run; kept for the judge (dropped when this router is not following). */
  public void record(Observation observation, String runId) {
    if (view.role() != PeerRole.FOLLOWER) {
      return;
    }
    if (!runId.equals(bufferRun)) {
      newBuffer(runId);
    }
    buffer.add(observation);
  }

  private synchronized void newBuffer(String runId) {
    if (!runId.equals(bufferRun)) {
      buffer = new ObservationBuffer(ObservationBuffer.DEFAULT_CAPACITY);
      bufferRun = runId;
    }
  }

  /**
   * {@code GET /rollout/observations}: the observations after {@code after} for the judge it follows.
   *
   * @param judge    the asking judge's instance
   * @param expected the instance the judge took {@code after} from (a restarted follower starts again at 0)
   * @param runId    the judge's run
   */
  public PeerTransport.Answer observations(String judge, String expected, long after, String runId) {
    PeersView v = view;
    if (v.role() != PeerRole.FOLLOWER) {
      return refuse("this router is not a follower (it is " + v.role().label() + ")", v);
    }
    if (!judge.equals(followedJudge)) {
      return refuse("this router follows the judge at " + v.judge() + ", not the one asking", v);
    }
    RemoteRollout mine = local.describe(instance, v.role(), v.judge());
    if (!runId.equals(mine.runId())) {
      return refuse("this router is in rollout \"" + mine.runId() + "\", the judge in \"" + runId
          + "\" (canary.conf not updated here yet?)", v);
    }
    if (!runId.equals(bufferRun)) {
      newBuffer(runId);
    }
    ObservationBuffer.Batch batch = buffer.after(instance.equals(expected) ? after : 0, MAX_BATCH);
    return new PeerTransport.Answer(200, new String(PeerWire.batch(mine, batch),
        java.nio.charset.StandardCharsets.UTF_8));
  }

  private static PeerTransport.Answer refuse(String why, PeersView v) {
    return new PeerTransport.Answer(409, new String(PeerWire.error(why, v.judge()),
        java.nio.charset.StandardCharsets.UTF_8));
  }

  /** {@code GET /rollout/peer}: this router's rollout. */
  public byte[] describe() {
    PeersView v = view;
    return PeerWire.rollout(local.describe(instance, v.role(), v.judge()));
  }

  // ------------------------------------------------------------------------------------------- the judge's side

  /**
   * Why the judge may not advance now, or null when every other router answered lately and follows it. A
   * follower or a lone router: null (a follower never decides; a lone one needs nobody).
   */
  public String holdReason(RolloutSettings plan) {
    PeersView v = view;
    if (v.role() != PeerRole.JUDGE) {
      return null;
    }
    Instant now = clock.instant();
    Duration fresh = plan.peerPoll().multipliedBy(3).plus(timeout(plan));
    List<String> missing = new ArrayList<>();
    for (PeersView.Peer p : v.peers()) {
      if (p.lastSeen() == null || Duration.between(p.lastSeen(), now).compareTo(fresh) > 0) {
        missing.add("router " + p.address() + " has not answered "
            + (p.lastSeen() == null ? "yet" : "for " + Duration.between(p.lastSeen(), now).toSeconds() + " s")
            + (p.problem().isEmpty() ? "" : " (" + p.problem() + ")"));
      } else if (!p.following()) {
        missing.add("router " + p.address() + " does not follow this judge (" + p.problem() + ")");
      }
    }
    return missing.isEmpty() ? null
        : String.join("; ", missing) + ": its calls are not counted, so the step does not advance";
  }

  private static Duration timeout(RolloutSettings plan) {
    Duration poll = plan.peerPoll();
    return poll.compareTo(Duration.ofMillis(500)) < 0 ? Duration.ofMillis(500) : poll;
  }

  // ------------------------------------------------------------------------------------------- polling

  /**
   * One round (on the poll thread; tests call it directly): find the judge, then fetch the followers'
   * observations (the judge) or the judge's step (a follower).
   */
  public void poll() {
    RolloutSettings plan = local.plan();
    if (!plan.enabled() || !plan.shared()) {
      progress.clear();
      publish(PeerRole.ALONE, "", "", List.of());
      return;
    }
    List<InetSocketAddress> addresses = lookUp(plan);
    String lookupProblem = lookupFailing ? view.lookupProblem() : "";
    if (addresses.isEmpty()) {
      publish(PeerRole.FOLLOWER, "", "no address of rollout.routers " + plan.routers() + " resolved", List.of(),
          lookupProblem);
      return;
    }
    InetSocketAddress lowest = addresses.get(0);
    String judge = PeerAddresses.format(lowest);
    RemoteRollout remote = null;
    String problem = "";
    if (!self.contains(lowest)) {
      try {
        PeerTransport.Answer a = transport.get(lowest, "/rollout/peer", Map.of(), timeout(plan));
        if (a.status() != 200) {
          throw new IOException("HTTP " + a.status() + ": " + a.body());
        }
        remote = PeerWire.readRollout(a.body());
        if (remote.instance().equals(instance)) {
          self.add(lowest);
          remote = null;
        }
      } catch (IOException | IllegalArgumentException e) {
        problem = describe(e);
      }
    }
    if (self.contains(lowest)) {
      judgeAway = false;
      publish(PeerRole.JUDGE, judge, "", fetchAll(plan, addresses.subList(1, addresses.size()), judge),
          lookupProblem);
      return;
    }
    progress.clear();
    if (remote != null) {
      followedJudge = remote.instance();
      judgeContact = clock.instant();
      if (judgeAway) {
        log.info("rollout peers: the judge at {} answers again", judge);
        judgeAway = false;
      }
      publish(PeerRole.FOLLOWER, judge, "", List.of(), lookupProblem);
      local.follow(remote, judge);
    } else {
      if (!judgeAway) {
        log.warn("rollout peers: cannot reach the judge at {} ({}); this router holds its step until it answers",
            judge, problem);
        judgeAway = true;
      }
      publish(PeerRole.FOLLOWER, judge, problem, List.of(), lookupProblem);
    }
  }

  private List<InetSocketAddress> lookUp(RolloutSettings plan) {
    try {
      List<InetSocketAddress> addresses = PeerAddresses.resolve(plan.routers(), lookup);
      if (lookupFailing) {
        log.info("rollout peers: rollout.routers resolves again: {}", addresses);
        lookupFailing = false;
      }
      lastGood = addresses;
      return addresses;
    } catch (UnknownHostException | RuntimeException e) {
      if (!lookupFailing) {
        log.warn("rollout peers: cannot look up rollout.routers ({}); using the last answer {}", e.getMessage(),
            lastGood);
        lookupFailing = true;
      }
      view = new PeersView(view.role(), instance, view.judge(), view.judgeContact(), view.judgeProblem(),
          String.valueOf(e.getMessage()), view.peers());
      return lastGood;
    }
  }

  private List<PeersView.Peer> fetchAll(RolloutSettings plan, List<InetSocketAddress> others, String judge) {
    progress.keySet().retainAll(others);
    List<PeersView.Peer> out = new ArrayList<>();
    for (InetSocketAddress address : others) {
      if (self.contains(address)) {
        continue;
      }
      Progress p = progress.computeIfAbsent(address, a -> new Progress());
      fetch(plan, address, p, judge);
      if (!self.contains(address)) {
        out.add(new PeersView.Peer(PeerAddresses.format(address), p.instance, p.lastSeen, p.following, p.problem,
            p.taken, p.dropped));
      }
    }
    return out;
  }

  private void fetch(RolloutSettings plan, InetSocketAddress address, Progress p, String judge) {
    for (int round = 0; round < 10; round++) {
      Map<String, String> headers = Map.of(JUDGE_HEADER, instance, EXPECT_HEADER, p.instance,
          AFTER_HEADER, Long.toString(p.after), RUN_HEADER, plan.runId());
      PeerTransport.Answer a;
      try {
        a = transport.get(address, "/rollout/observations", headers, timeout(plan));
      } catch (IOException e) {
        p.problem = describe(e);
        return;
      }
      if (a.status() == 409) {
        p.lastSeen = clock.instant();
        p.following = false;
        p.problem = errorText(a.body());
        return;
      }
      PeerWire.ReadBatch read;
      try {
        if (a.status() != 200) {
          throw new IllegalArgumentException("HTTP " + a.status() + ": " + a.body());
        }
        read = PeerWire.readBatch(a.body());
      } catch (IllegalArgumentException e) {
        p.problem = "a wrong answer: " + e.getMessage();
        p.following = false;
        return;
      }
      if (read.instance().equals(instance)) {
        self.add(address); // this very router, under a second address
        return;
      }
      if (!read.instance().equals(p.instance)) {
        p.instance = read.instance(); // a new process: it counted from 1 and gave from the start (EXPECT_HEADER)
      }
      p.lastSeen = clock.instant();
      p.following = read.judge().equals(judge) && read.runId().equals(plan.runId());
      p.problem = p.following ? "" : "it follows " + read.judge() + " in rollout \"" + read.runId() + "\"";
      if (!p.following) {
        return;
      }
      if (round == 0) {
        local.catchUp(new RemoteRollout(read.instance(), PeerRole.FOLLOWER.label(), read.judge(), read.runId(),
            read.phase(), read.step(), java.time.Instant.EPOCH, "", ""), PeerAddresses.format(address));
      }
      local.ingest(read.batch().observations());
      p.after = read.batch().last();
      p.taken += read.batch().observations().size();
      p.dropped = read.batch().dropped();
      if (!read.batch().more()) {
        return;
      }
    }
  }

  private static String errorText(String body) {
    try {
      var node = new com.fasterxml.jackson.databind.ObjectMapper().readTree(body);
      return node != null && node.hasNonNull("error") ? node.get("error").asText() : body;
    } catch (IOException e) {
      return body;
    }
  }

  private static String describe(Exception e) {
    String m = e.getMessage();
    if (e instanceof java.net.ConnectException) {
      return "cannot connect" + (m == null || m.isBlank() ? "" : ": " + m);
    }
    if (e instanceof java.net.http.HttpTimeoutException) {
      return "no answer in time";
    }
    return e.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : ": " + m);
  }

  private void publish(PeerRole role, String judge, String judgeProblem, List<PeersView.Peer> peers) {
    publish(role, judge, judgeProblem, peers, "");
  }

  private void publish(PeerRole role, String judge, String judgeProblem, List<PeersView.Peer> peers,
      String lookupProblem) {
    PeerRole was = view.role();
    view = new PeersView(role, instance, judge, role == PeerRole.FOLLOWER ? judgeContact : null, judgeProblem,
        lookupProblem, peers);
    if (role != was) {
      log.info("rollout peers: this router is {}{}", role == PeerRole.FOLLOWER ? "a follower" : role.label(),
          judge.isEmpty() ? "" : role == PeerRole.JUDGE ? " (" + judge + ", the lowest of rollout.routers)"
              : " of the judge at " + judge);
      if (role != PeerRole.FOLLOWER) {
        followedJudge = "";
      }
    }
    local.role(role, judge);
  }

  /** What the judge knows of one follower. Poll thread only. */
  private static final class Progress {
    String instance = "";
    long after;
    long taken;
    long dropped;
    Instant lastSeen;
    boolean following;
    String problem = "";
  }
}
