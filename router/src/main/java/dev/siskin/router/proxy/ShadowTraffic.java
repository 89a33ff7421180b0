package dev.siskin.router.proxy;

import static java.util.Objects.requireNonNull;

import dev.siskin.router.canary.SkipReason;
import dev.siskin.router.cluster.Backend;
import dev.siskin.router.config.ShadowSettings;
import dev.siskin.router.route.RoutingTable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Decides, per call, whether it gets a shadow copy ({@code shadow { }} in canary.conf: the method is listed, the
 * call is in the sampled {@code percent}, another backend serves it, the shadow backend is routable, fewer than
 * {@code max-in-flight} copies run) and starts it. Router-wide; the settings are read from the routing table in
 * force at each call, so a reload applies to the next call.
 *
 * <p>Thread-safe: immutable but for the in-flight counter.
 */
public final class ShadowTraffic {
  /** Marks a copy to its backend (value "1"), so that its logs and metrics can tell copies from served calls. */
  public static final String SHADOW_HEADER = "x-siskin-shadow";

  private final Supplier<RoutingTable> tables;
  private final CanaryObserver sink;
  private final AtomicInteger inFlight = new AtomicInteger();

  /**
   * @param tables the routing table in force (its config holds the shadow settings, its backends the shadow)
   * @param sink   where pairs and skipped copies are reported
   */
  public ShadowTraffic(Supplier<RoutingTable> tables, CanaryObserver sink) {
    this.tables = requireNonNull(tables, "tables");
    this.sink = requireNonNull(sink, "sink");
  }

  /** No shadow traffic at all, whatever the config says (for tests of other things). */
  public static ShadowTraffic off() {
    return new ShadowTraffic(() -> null, CanaryObserver.NONE);
  }

  /** Copies running now. */
  public int inFlight() {
    return inFlight.get();
  }

  /** Where pairs, skipped copies and served answers are reported. */
  public CanaryObserver sink() {
    return sink;
  }

  /**
   * Whether a call of {@code fullMethod} that {@code primary} is about to serve gets a shadow copy: the shadow
   * backend, with a call slot and an in-flight slot taken (give both back with {@link #ended} once the copy ends),
   * or null when it gets none (a skip is counted where the call was selected but could not have its copy).
   *
   * @param deadlineExpired whether the primary's deadline has already passed
   */
  public Backend admit(String fullMethod, Backend primary, boolean deadlineExpired) {
    RoutingTable table = tables.get();
    if (table == null) {
      return null;
    }
    ShadowSettings settings = table.config().shadow();
    if (!settings.enabled() || !settings.methods().contains(fullMethod)
        || primary.name().equals(settings.backend()) || !sampled(settings.percent())) {
      return null;
    }
    if (deadlineExpired) {
      sink.skipped(settings.backend(), fullMethod, SkipReason.DEADLINE);
      return null;
    }
    Backend shadow = backend(table, settings.backend());
    if (shadow == null || !shadow.health().routable() || !shadow.tryAcquire()) {
      sink.skipped(settings.backend(), fullMethod, SkipReason.BACKEND_UNAVAILABLE);
      return null;
    }
    if (inFlight.incrementAndGet() > settings.maxInFlight()) {
      inFlight.decrementAndGet();
      shadow.release();
      sink.skipped(settings.backend(), fullMethod, SkipReason.IN_FLIGHT_LIMIT);
      return null;
    }
    return shadow;
  }

  /** When copies are sent, by the config in force (with their primary before any config is). */
  public ShadowSettings.Send send() {
    RoutingTable table = tables.get();
    return table == null ? ShadowSettings.Send.WITH_PRIMARY : table.config().shadow().send();
  }

  /** A copy on {@code shadow} has ended: gives back its slots. Once per admitted copy. */
  public void ended(Backend shadow) {
    inFlight.decrementAndGet();
    shadow.release();
  }

  private static boolean sampled(double percent) {
    return percent >= 100 || ThreadLocalRandom.current().nextDouble(100) < percent;
  }

  private static Backend backend(RoutingTable table, String name) {
    for (Backend b : table.backends()) {
      if (b.name().equals(name)) {
        return b;
      }
    }
    return null;
  }
}
