package dev.siskin.router.rollout;

import static java.util.Objects.requireNonNull;

import dev.siskin.router.config.BackendSpec;
import dev.siskin.router.config.CanaryConfig;
import dev.siskin.router.config.RolloutSettings;
import dev.siskin.router.observe.CallListener;
import dev.siskin.router.observe.CallOutcome;
import dev.siskin.router.observe.RouteCause;
import dev.siskin.router.rollout.judge.Comparison;
import dev.siskin.router.rollout.judge.GateReport;
import dev.siskin.router.rollout.judge.JudgeReport;
import dev.siskin.router.rollout.judge.JudgeSettings;
import dev.siskin.router.rollout.judge.Role;
import dev.siskin.router.rollout.judge.StepJudge;
import dev.siskin.router.rollout.judge.StepScope;
import dev.siskin.router.rollout.judge.Verdict;
import dev.siskin.router.rollout.peers.Observation;
import dev.siskin.router.rollout.peers.PeerRole;
import dev.siskin.router.rollout.peers.RemoteRollout;
import dev.siskin.router.rollout.peers.RolloutPeers;
import io.grpc.Status;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the automated rollout: starts, resumes, pauses and ends it as canary.conf says, feeds the step's
 * {@link StepJudge} every weight-routed call and every shadow comparison, and once a second acts on the judge's
 * verdict -- roll back at once, advance when the step's time and calls are met, else hold. Its state is one
 * immutable {@link RolloutState}, written to the state file at every change, so that a restarted router resumes
 * at the same step (with fresh evidence) and never jumps ahead or starts over by itself.
 *
 * <p>Thread-safety: transitions run under this object's lock -- config changes on the router's apply path
 * ({@link #inForce}, which the router calls under its own lock: the order is always router, then controller), and
 * the decision tick on the scheduler's thread, which asks the router to reinstall only after releasing this lock.
 * Calls and comparisons are recorded from transport threads through a volatile snapshot, without this lock.
 *
 * <p>With {@code rollout.routers} set, several routers share the rollout ({@link RolloutPeers}): this router
 * either judges every router's calls, or keeps its own for the judge and adopts the judge's step ({@link #follow})
 * without deciding anything itself.
 */
public final class RolloutController implements CallListener {
  private static final Logger log = LoggerFactory.getLogger(RolloutController.class);
  /** The decision tick: anytime-valid tests may be looked at this often without inflating false rollbacks. */
  static final Duration TICK = Duration.ofSeconds(1);

  /** What transport threads read: the run in force and the judge to feed, swapped whole. */
  private record Live(RolloutSettings plan, RolloutState state, StepJudge judge, boolean following) {
    static final Live NONE = new Live(null, null, null, false);
  }

  private final Clock clock;
  private final ScheduledExecutorService scheduler;
  private final Path configFile;
  private final Runnable reinstall;
  private final BiFunction<String, Status, Integer> endCalls;
  private final RolloutPeers peers;
  private volatile Live live = Live.NONE;
  // Guarded by this.
  private CanaryConfig file;
  private RolloutState state;
  private StepJudge judge;
  private JudgeReport lastReport;
  /** The step {@link #lastReport} judged. */
  private int lastReportStep;
  private String waiting = "";
  private String stateFileProblem;
  private ScheduledFuture<?> ticking;
  private boolean started;
  /** A decision's weights are not in force yet (the reinstall failed): the next tick tries again. */
  private boolean reinstallPending;
  /** The canary whose running calls the current tick is to end after the grace (a rollback). */
  private String pendingEnd;
  private final Map<String, Long> decisionsTotal = new TreeMap<>();
  /** This router's part in a shared rollout; null until the peers first said (then a shared plan judges nothing). */
  private PeerRole role;

  /**
   * @param configFile the config file (the default state file is beside it)
   * @param scheduler  runs the decision tick and the end of a rolled-back canary's calls
   * @param reinstall  puts {@link #inForce} of the file's config in force again (the router's reinstall)
   * @param endCalls   ends the calls a backend serves now with a status, returning how many (CallsInFlight)
   */
  public RolloutController(Path configFile, Clock clock, ScheduledExecutorService scheduler, Runnable reinstall,
      BiFunction<String, Status, Integer> endCalls) {
    this(configFile, clock, scheduler, reinstall, endCalls, local -> RolloutPeers.overHttp(local, clock));
  }

  /** @param peers makes the link to the other routers of {@code rollout.routers} (tests fake their answers) */
  public RolloutController(Path configFile, Clock clock, ScheduledExecutorService scheduler, Runnable reinstall,
      BiFunction<String, Status, Integer> endCalls, Function<RolloutPeers.Local, RolloutPeers> peers) {
    this.configFile = requireNonNull(configFile, "configFile");
    this.clock = requireNonNull(clock, "clock");
    this.scheduler = requireNonNull(scheduler, "scheduler");
    this.reinstall = requireNonNull(reinstall, "reinstall");
    this.endCalls = requireNonNull(endCalls, "endCalls");
    this.peers = peers.apply(new PeerLink());
  }

  /** Starts the decision tick and the link to the other routers. */
  public void start() {
    synchronized (this) {
      if (started) {
        return;
      }
      started = true;
      ticking = scheduler.schedule(this::tickAndRepeat, TICK.toMillis(), TimeUnit.MILLISECONDS);
    }
    peers.start();
  }

  /** Stops the decision tick (the state file keeps what was decided) and the link to the other routers. */
  public void stop() {
    synchronized (this) {
      started = false;
      if (ticking != null) {
        ticking.cancel(false);
        ticking = null;
      }
    }
    peers.stop();
  }

  /** The link to the other routers sharing the rollout, for the admin endpoint's /rollout/peer paths. */
  public RolloutPeers peers() {
    return peers;
  }

  /** One tick, then the next one a tick later (one-shot tasks: a slow tick never piles up runs). */
  private void tickAndRepeat() {
    try {
      tick();
    } catch (RuntimeException e) {
      log.error("rollout decision failed; it is tried again in {}", TICK, e);
    }
    synchronized (this) {
      if (started) {
        ticking = scheduler.schedule(this::tickAndRepeat, TICK.toMillis(), TimeUnit.MILLISECONDS);
      }
    }
  }

  /**
   * The config to put in force for the file's {@code next}, after acting on what changed since {@code previous}
   * (null at start): a new run-id starts a rollout (or resumes the state file's), {@code paused} pauses and
   * resumes it, {@code enabled = false} or a hand edit of the two weights ends it. The router's ConfigOverlay.
   */
  public CanaryConfig inForce(CanaryConfig previous, CanaryConfig next) {
    synchronized (this) {
      file = next;
      if (next != previous) {
        configure(previous, next);
      }
      return RolloutWeights.overlay(next, state);
    }
  }

  private void configure(CanaryConfig previous, CanaryConfig next) {
    RolloutSettings plan = next.rollout();
    Instant now = clock.instant();
    if (!plan.enabled()) {
      if (state != null && (state.phase() == RolloutPhase.RUNNING || state.phase() == RolloutPhase.PAUSED)) {
        end(now, "rollout.enabled is false in " + next.source().getFileName());
      }
      publish(plan);
      return;
    }
    if (state == null || !state.runId().equals(plan.runId())) {
      startOrResume(plan, now);
      publish(plan);
      return;
    }
    if (!state.phase().setsWeights()) {
      publish(plan); // ended by an operator: stays so until a new run-id
      return;
    }
    if (previous != null && weightsEdited(previous, next, plan)) {
      end(now, "the weights of " + plan.baseline() + " and " + plan.canary() + " were edited in "
          + next.source().getFileName() + "; they are in force now");
    } else if (previous != null && !plan.samePlan(previous.rollout())) {
      end(now, "the plan (baseline, canary or steps) changed in " + next.source().getFileName()
          + "; start a new rollout with stage.sh auto");
    } else if (!judging()) {
      // A follower pauses and resumes when the judge does: the judge's file may not say so yet.
    } else if (plan.paused() && state.phase() == RolloutPhase.RUNNING) {
      transition(new Decision(now, "pause", state.step(), state.step(), "rollout.paused is true", evidence()),
          RolloutPhase.PAUSED, false);
    } else if (!plan.paused() && state.phase() == RolloutPhase.PAUSED) {
      transition(new Decision(now, "resume", state.step(), state.step(), "rollout.paused is false", evidence()),
          RolloutPhase.RUNNING, false);
    }
    publish(plan);
  }

  private void startOrResume(RolloutSettings plan, Instant now) {
    Optional<RolloutState> saved = readStateFile(plan);
    if (stateFileProblem != null) {
      // A state we cannot read may be of this very run: never start it over by ourselves.
      state = new RolloutState(plan.runId(), RolloutPhase.PAUSED, 0, now, now, List.of(new Decision(now, "pause", 0,
          0, "cannot read the state file (" + stateFileProblem + "); fix or delete it, or start a new rollout "
          + "with stage.sh auto", List.of())));
      judge = null;
      startJudge(plan, file); // paused counts on: resuming (paused = true, then false) judges what it saw
      log.error("rollout {}: {}", plan.runId(), state.lastDecision().reason());
      return;
    }
    judge = null; // a new run, or one resumed: its evidence starts afresh
    if (saved.isPresent() && saved.get().runId().equals(plan.runId())) {
      RolloutState was = saved.get();
      if (was.phase() == RolloutPhase.RUNNING || was.phase() == RolloutPhase.PAUSED) {
        int step = Math.min(was.step(), plan.steps().size() - 1);
        RolloutPhase phase = plan.paused() ? RolloutPhase.PAUSED : RolloutPhase.RUNNING;
        state = was;
        transition(new Decision(now, "resume-after-restart", was.step(), step, "the router restarted; step "
            + plan.steps().get(step).label() + " resumes with fresh evidence", List.of()), phase, true);
      } else {
        state = was; // promoted, rolled back or ended: it stays so
        judge = null;
        log.info("rollout {}: {} (from {}), as before the restart", plan.runId(), was.phase().label(),
            stateFile(plan));
      }
      return;
    }
    state = new RolloutState(plan.runId(), RolloutPhase.DISABLED, 0, now, now, List.of());
    RolloutPhase phase = plan.paused() ? RolloutPhase.PAUSED : RolloutPhase.RUNNING;
    transition(new Decision(now, "start", 0, 0, "rollout " + display(plan.runId()) + " of " + plan.canary()
        + " against " + plan.baseline() + ", steps " + steps(plan), List.of()), phase, true);
  }

  /** Reads the state file when a run-id is first seen: later states of the run are this process's own. */
  private Optional<RolloutState> readStateFile(RolloutSettings plan) {
    stateFileProblem = null;
    try {
      return new RolloutStateFile(stateFile(plan)).read();
    } catch (IOException e) {
      stateFileProblem = e.getMessage();
      return Optional.empty();
    }
  }

  private void end(Instant now, String reason) {
    transition(new Decision(now, "end", state.step(), state.step(), reason, evidence()), RolloutPhase.DISABLED,
        false);
    judge = null;
  }

  /**
   * Records the decision, logs it, writes the state file. A new step ({@code newStep}) starts its time again and
   * gets its judge (carrying the rollout's evidence on, when there is a judge already); a phase that judges
   * nothing leaves the judge to the caller.
   */
  private void transition(Decision decision, RolloutPhase phase, boolean newStep) {
    if (newStep || phase != RolloutPhase.RUNNING) {
      waiting = ""; // what the step waited for is no longer so
    }
    if (judge != null) {
      lastReport = judge.report();
      lastReportStep = state.step();
    }
    state = state.after(decision, phase, newStep);
    decisionsTotal.merge(decision.kind(), 1L, Long::sum);
    if ((phase == RolloutPhase.RUNNING || phase == RolloutPhase.PAUSED) && (newStep || judge == null)) {
      startJudge(file.rollout(), file);
    }
    String line = "rollout " + display(state.runId()) + ": " + decision.kind() + " -> " + phase.label()
        + " at step " + stepLabel(decision.toStep()) + ": " + decision.reason()
        + (decision.evidence().isEmpty() ? "" : " [" + describe(decision.evidence()) + "]");
    if (decision.kind().equals("roll-back")) {
      log.warn(line);
    } else {
      log.info(line);
    }
    persist();
  }

  private void startJudge(RolloutSettings plan, CanaryConfig config) {
    if (!judging()) {
      return; // a follower: the judge decides from this router's calls, which it fetches
    }
    RolloutSettings.Step step = plan.steps().get(Math.min(state.step(), plan.steps().size() - 1));
    StepScope scope = step.shadow() ? StepScope.SHADOW : StepScope.serving(shadowsCanary(config, plan));
    judge = judge == null ? StepJudge.start(judgeSettings(plan), scope) : judge.next(scope);
  }

  /** The file's own shadow block copies calls to the canary (the rollout does so itself in the shadow step). */
  private static boolean shadowsCanary(CanaryConfig config, RolloutSettings plan) {
    return config.shadow().enabled() && config.shadow().backend().equals(plan.canary());
  }

  static JudgeSettings judgeSettings(RolloutSettings plan) {
    return JudgeSettings.builder()
        .alpha(plan.alpha())
        .failureCodes(plan.failureCodes())
        .errorMargin(plan.errorMargin())
        .maxFailureRate(plan.maxFailurePercent() / 100)
        .latencyQuantile(plan.latencyQuantile())
        .baselineCalls(plan.latencyBaselineCalls())
        .latencySlack(plan.latencySlack())
        .slowMargin(plan.latencyMargin())
        .latencyWarmupCalls(plan.latencyWarmupCalls())
        .latencyCanaryCalls((int) Math.min(Integer.MAX_VALUE, plan.minCalls()))
        .p99Limit(plan.maxP99().isZero() ? null : plan.maxP99())
        .comparePredictions(plan.steps().get(0).shadow())
        .maxDisagreement(plan.maxDisagreementPercent() / 100)
        .build();
  }

  /** Whether this router judges: alone, or the judge of the routers sharing the rollout. Under the lock. */
  private boolean judging() {
    return role == null ? file == null || !file.rollout().shared() : role != PeerRole.FOLLOWER;
  }

  private void publish(RolloutSettings plan) {
    boolean active = state != null && (state.phase() == RolloutPhase.RUNNING || state.phase() == RolloutPhase.PAUSED);
    boolean judged = active && judge != null;
    live = new Live(plan, state, judged ? judge : null, active && !judging());
  }

  private void persist() {
    Path path = stateFile(file.rollout());
    try {
      new RolloutStateFile(path).write(state);
    } catch (IOException | RuntimeException e) {
      log.error("rollout {}: cannot write the state file {} ({}): a restart would not know this state; make its "
          + "folder writable or set rollout.state-file", display(state.runId()), path, e.toString());
    }
  }

  private Path stateFile(RolloutSettings plan) {
    return plan.stateFile().isEmpty() ? RolloutStateFile.besideConfig(configFile)
        : configFile.toAbsolutePath().resolveSibling(plan.stateFile());
  }

  private static boolean weightsEdited(CanaryConfig previous, CanaryConfig next, RolloutSettings plan) {
    return weight(previous, plan.baseline()) != weight(next, plan.baseline())
        || weight(previous, plan.canary()) != weight(next, plan.canary());
  }

  private static int weight(CanaryConfig config, String backend) {
    return config.backends().stream().filter(b -> b.name().equals(backend)).mapToInt(BackendSpec::weight)
        .findFirst().orElse(-1);
  }

  // ------------------------------------------------------------------------------------------- what it is fed

  @Override
  public void onCallFinished(CallOutcome outcome) {
    Live now = live;
    StepJudge j = now.judge();
    if ((j == null && !now.following()) || outcome.cause() != RouteCause.WEIGHT || outcome.routerError()
        || outcome.startTime().isBefore(now.state().stepStartedAt())) {
      return;
    }
    CallOutcome.FirstAttempt first = outcome.first();
    Role role;
    double canaryShare;
    if (first.backend().equals(now.plan().canary())) {
      role = Role.CANARY;
      canaryShare = first.share();
    } else if (first.backend().equals(now.plan().baseline())) {
      role = Role.BASELINE;
      canaryShare = 1 - first.share(); // the two are the only backends with a weight during a rollout
    } else {
      return;
    }
    canaryShare = Math.max(0, Math.min(1, canaryShare));
    if (now.following()) {
      peers.record(new Observation.Call(role, canaryShare, first.code(), outcome.durationNanos(),
          outcome.startTime().toEpochMilli()), now.state().runId());
    } else {
      j.recordCall(role, canaryShare, first.code(), outcome.durationNanos());
    }
  }

  /** A shadow pair of Predict calls whose primary went to the baseline and whose copy went to the canary. */
  public void onComparison(String primaryBackend, String shadowBackend, Comparison comparison) {
    Live now = live;
    StepJudge j = now.judge();
    if (now.plan() == null || !primaryBackend.equals(now.plan().baseline())
        || !shadowBackend.equals(now.plan().canary())) {
      return;
    }
    if (now.following()) {
      peers.record(new Observation.Compared(comparison), now.state().runId());
    } else if (j != null) {
      j.recordComparison(comparison);
    }
  }

  // ------------------------------------------------------------------------------------------- deciding

  /** One decision: roll back, advance, or hold. Runs on the scheduler's thread (tests call it directly). */
  void tick() {
    boolean weightsChanged;
    String canaryToEnd = null;
    Duration grace = Duration.ZERO;
    synchronized (this) {
      boolean decided = state != null && judge != null && file != null && decide();
      // A decision whose weights could not be put in force last time (the reinstall threw) is tried again.
      weightsChanged = decided || reinstallPending;
      reinstallPending = weightsChanged;
      if (pendingEnd != null) {
        canaryToEnd = pendingEnd;
        grace = file.rollout().streamGrace();
        pendingEnd = null;
      }
    }
    putInForce(canaryToEnd, grace, weightsChanged);
  }

  /** After a decision, outside the lock (the router's lock comes first): end a rolled-back canary's calls, reinstall. */
  private void putInForce(String canaryToEnd, Duration grace, boolean weightsChanged) {
    if (canaryToEnd != null) {
      scheduleEndOfCalls(canaryToEnd, grace);
    }
    if (weightsChanged) {
      reinstall.run(); // if it throws, the flag stays set
      synchronized (this) {
        reinstallPending = false;
      }
    }
  }

  /** Acts on the judge's report; true when the weights in force change. Under the lock. */
  private boolean decide() {
    RolloutSettings plan = file.rollout();
    JudgeReport report = judge.report();
    lastReport = report;
    lastReportStep = state.step();
    if (state.phase() != RolloutPhase.RUNNING) {
      waiting = state.phase() == RolloutPhase.PAUSED ? "paused" : "";
      return false;
    }
    Instant now = clock.instant();
    int step = state.step();
    boolean weightsChanged = true;
    if (report.verdict() == Verdict.ROLL_BACK) {
      transition(new Decision(now, "roll-back", step, step, report.reason(), evidence(report)),
          RolloutPhase.ROLLED_BACK, false);
      judge = null;
      pendingEnd = plan.canary();
    } else {
      Duration inStep = Duration.between(state.stepStartedAt(), now);
      long calls = plan.steps().get(step).shadow() ? report.counts().compared() : report.counts().canaryCalls();
      String hold = peers.holdReason(plan);
      if (report.verdict() == Verdict.READY && inStep.compareTo(plan.stepTime()) >= 0 && calls >= plan.minCalls()
          && hold == null) {
        int to = step + 1;
        boolean last = to == plan.steps().size() - 1;
        String reason = "step " + plan.steps().get(step).label() + " passed every gate after " + calls
            + " canary calls in " + inStep.toSeconds() + " s";
        transition(new Decision(now, last ? "promote" : "advance", step, to, reason, evidence(report)),
            last ? RolloutPhase.PROMOTED : RolloutPhase.RUNNING, true);
        if (last) {
          judge = null;
        }
      } else {
        String missing = waitingFor(plan, report, inStep, calls);
        waiting = hold == null ? missing : missing.isEmpty() ? hold : missing + "; " + hold;
        weightsChanged = false;
      }
    }
    publish(plan);
    return weightsChanged;
  }

  private static String waitingFor(RolloutSettings plan, JudgeReport report, Duration inStep, long calls) {
    List<String> missing = new ArrayList<>();
    if (report.verdict() != Verdict.READY) {
      missing.add(report.reason());
    }
    if (calls < plan.minCalls()) {
      missing.add("waiting for traffic: " + calls + " of " + plan.minCalls() + " canary calls");
    }
    if (inStep.compareTo(plan.stepTime()) < 0) {
      missing.add("step time " + inStep.toSeconds() + " of " + plan.stepTime().toSeconds() + " s");
    }
    return String.join("; ", missing);
  }

  private void scheduleEndOfCalls(String canary, Duration grace) {
    Runnable end = () -> {
      try {
        int ended = endCalls.apply(canary, Status.UNAVAILABLE.withDescription("siskin router: canary " + canary
            + " was rolled back; call again to be served by the baseline"));
        if (ended > 0) {
          log.info("rollout: ended {} call(s) still running on rolled-back canary {} after the {} grace", ended,
              canary, grace);
        }
      } catch (RuntimeException e) {
        log.error("rollout: could not end the calls still running on rolled-back canary {}", canary, e);
      }
    };
    scheduler.schedule(end, grace.toMillis(), TimeUnit.MILLISECONDS);
  }

  private List<Decision.GateEvidence> evidence() {
    return judge == null ? List.of() : evidence(judge.report());
  }

  private static List<Decision.GateEvidence> evidence(JudgeReport report) {
    List<Decision.GateEvidence> out = new ArrayList<>();
    for (GateReport g : report.gates()) {
      out.add(new Decision.GateEvidence(g.gate().label(), g.verdict().name().toLowerCase(java.util.Locale.ROOT),
          g.eValue(), g.bar(), g.upperBound(), g.limit(), g.reason()));
    }
    return out;
  }

  private static String describe(List<Decision.GateEvidence> evidence) {
    return evidence.stream().filter(g -> !g.verdict().equals("off"))
        .map(g -> g.gate() + " " + g.verdict() + (g.eValue() == null ? ""
            : String.format(java.util.Locale.ROOT, " e=%.3g/%.0f", g.eValue(), g.bar()))
            + (g.upperBound() == null ? "" : String.format(java.util.Locale.ROOT, " ub=%.4f/%.4f", g.upperBound(),
                g.limit())))
        .collect(Collectors.joining("; "));
  }

  private String stepLabel(int step) {
    RolloutSettings plan = file == null ? null : file.rollout();
    return plan == null || step >= plan.steps().size() ? Integer.toString(step) : plan.steps().get(step).label();
  }

  private static String steps(RolloutSettings plan) {
    return plan.steps().stream().map(RolloutSettings.Step::label).collect(Collectors.joining(", ", "[", "]"));
  }

  private static String display(String runId) {
    return runId.isEmpty() ? "\"\"" : runId;
  }

  // ------------------------------------------------------------------------------------------- shared rollouts

  /** What {@link RolloutPeers} sees of this controller. Its calls come from the peers' poll thread. */
  private final class PeerLink implements RolloutPeers.Local {
    @Override
    public RolloutSettings plan() {
      synchronized (RolloutController.this) {
        return file == null ? RolloutSettings.OFF : file.rollout();
      }
    }

    @Override
    public RemoteRollout describe(String instance, PeerRole peerRole, String judgeAddress) {
      synchronized (RolloutController.this) {
        Decision last = state == null ? null : state.lastDecision();
        return new RemoteRollout(instance, peerRole.label(), judgeAddress, state == null ? "" : state.runId(),
            state == null ? RolloutPhase.DISABLED : state.phase(), state == null ? 0 : state.step(),
            state == null ? Instant.EPOCH : state.stepStartedAt(), last == null ? "" : last.kind(),
            last == null ? "" : last.reason());
      }
    }

    @Override
    public void role(PeerRole next, String judgeAddress) {
      synchronized (RolloutController.this) {
        if (next == role) {
          return;
        }
        boolean judged = judging();
        boolean known = role != null;
        role = next;
        boolean active = state != null
            && (state.phase() == RolloutPhase.RUNNING || state.phase() == RolloutPhase.PAUSED);
        if (!judging()) {
          judge = null; // a follower: its evidence is the judge's now
        } else if (!judged && active && !known) {
          startJudge(file.rollout(), file); // just started: this router judges from now on
        } else if (!judged && active) {
          Instant now = clock.instant();
          String why = next == PeerRole.JUDGE ? "this router judges now: " + judgeAddress
              + " is the lowest address of rollout.routers" : "this router judges alone now (rollout.routers is empty)";
          transition(new Decision(now, "take-over", state.step(), state.step(), why + "; step "
              + stepLabel(state.step()) + " goes on with fresh evidence", List.of()), state.phase(), true);
        }
        if (file != null) {
          publish(file.rollout());
        }
      }
    }

    @Override
    public void follow(RemoteRollout remote, String judgeAddress) {
      takeFromPeer(() -> adopt(remote, judgeAddress));
    }

    @Override
    public void catchUp(RemoteRollout follower, String followerAddress) {
      takeFromPeer(() -> catchUpWith(follower, followerAddress));
    }

    /** Runs {@code change} under the lock, then puts what it changed in force outside it, as the tick does. */
    private void takeFromPeer(java.util.function.BooleanSupplier change) {
      String canaryToEnd = null;
      Duration grace = Duration.ZERO;
      boolean changed;
      synchronized (RolloutController.this) {
        changed = change.getAsBoolean();
        if (changed && pendingEnd != null) {
          canaryToEnd = pendingEnd;
          grace = file.rollout().streamGrace();
          pendingEnd = null;
        }
        reinstallPending |= changed;
      }
      putInForce(canaryToEnd, grace, changed);
    }

    @Override
    public void ingest(List<Observation> observations) {
      Live now = live;
      StepJudge j = now.judge();
      if (j == null) {
        return;
      }
      long stepStart = now.state().stepStartedAt().toEpochMilli();
      for (Observation o : observations) {
        if (o instanceof Observation.Call c) {
          if (c.startMillis() >= stepStart) {
            j.recordCall(c.role(), c.canaryShare(), c.code(), c.latencyNanos());
          }
        } else if (o instanceof Observation.Compared p) {
          j.recordComparison(p.comparison());
        }
      }
    }
  }

  /**
   * The judge takes a follower's later step or end: a decision of an earlier judge that this one has not seen.
   * True when the weights change. Under the lock.
   */
  private boolean catchUpWith(RemoteRollout follower, String address) {
    if (state == null || file == null || !judging() || !follower.runId().equals(state.runId())
        || (state.phase() != RolloutPhase.RUNNING && state.phase() != RolloutPhase.PAUSED)) {
      return false;
    }
    RolloutSettings plan = file.rollout();
    if (follower.step() >= plan.steps().size()) {
      return false;
    }
    Instant now = clock.instant();
    String reason = "router " + address + " is " + follower.phase().label() + " at step "
        + stepLabel(follower.step()) + ", as an earlier judge decided; this judge goes on from there";
    Decision decision = new Decision(now, "take-over", state.step(), follower.step(), reason, List.of());
    if (follower.phase() == RolloutPhase.ROLLED_BACK) {
      transition(decision, RolloutPhase.ROLLED_BACK, false);
      judge = null;
      pendingEnd = plan.canary();
    } else if (follower.phase() == RolloutPhase.PROMOTED) {
      transition(decision, RolloutPhase.PROMOTED, true);
      judge = null;
    } else if ((follower.phase() == RolloutPhase.RUNNING || follower.phase() == RolloutPhase.PAUSED)
        && follower.step() > state.step()) {
      transition(decision, state.phase(), true);
    } else {
      return false;
    }
    publish(plan);
    return true;
  }

  /** A follower takes the judge's phase and step; true when its weights change. Under the lock. */
  private boolean adopt(RemoteRollout remote, String judgeAddress) {
    if (state == null || file == null || judging()) {
      return false;
    }
    RolloutSettings plan = file.rollout();
    if (!remote.runId().equals(state.runId())) {
      waiting = "the judge at " + judgeAddress + " is in rollout \"" + remote.runId() + "\", this router in \""
          + state.runId() + "\": holding until both read the same canary.conf";
      return false;
    }
    if (state.phase() != RolloutPhase.RUNNING && state.phase() != RolloutPhase.PAUSED) {
      return false; // ended here (an operator's edit of this router's file, or its own end): stays so
    }
    if (remote.step() >= plan.steps().size()) {
      waiting = "the judge at " + judgeAddress + " is at step " + remote.step() + ", beyond this router's plan";
      return false;
    }
    waiting = "following the judge at " + judgeAddress;
    if (remote.phase() == state.phase() && remote.step() == state.step()) {
      return false;
    }
    if ((remote.phase() == RolloutPhase.RUNNING || remote.phase() == RolloutPhase.PAUSED)
        && remote.step() < state.step()) {
      // A judge never goes back a step: this one is new (it took over, or started without its state file) and
      // learns this router's step from its next fetch (catchUp).
      waiting = "the judge at " + judgeAddress + " is at step " + stepLabel(remote.step()) + ", behind this router's "
          + stepLabel(state.step()) + ": holding until it catches up";
      return false;
    }
    Instant now = clock.instant();
    String reason = "the judge at " + judgeAddress + " decided " + remote.decision()
        + (remote.reason().isEmpty() ? "" : ": " + remote.reason());
    if (remote.phase() == RolloutPhase.DISABLED) {
      end(now, reason);
    } else {
      transition(new Decision(now, "follow", state.step(), remote.step(), reason, List.of()), remote.phase(),
          remote.step() != state.step());
      if (remote.phase() == RolloutPhase.ROLLED_BACK) {
        pendingEnd = plan.canary();
      }
    }
    publish(plan);
    return true;
  }

  // ------------------------------------------------------------------------------------------- what it shows

  /** What /canary, /config, metrics and stage.sh show: one consistent moment. */
  public synchronized RolloutView view() {
    RolloutSettings plan = file == null ? RolloutSettings.OFF : file.rollout();
    Instant now = clock.instant();
    if (state == null || !plan.enabled() && state.phase() == RolloutPhase.DISABLED && state.history().isEmpty()) {
      return new RolloutView(plan, null, null, 0, "", now, decisionsTotal, peers.view());
    }
    JudgeReport report = judge != null ? judge.report() : lastReport;
    int reportStep = judge != null ? state.step() : lastReportStep;
    return new RolloutView(plan, state, report, reportStep, Objects.requireNonNullElse(waiting, ""), now,
        decisionsTotal, peers.view());
  }
}
