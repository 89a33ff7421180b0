package dev.siskin.router.cluster;

import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import io.grpc.NameResolverRegistry;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Makes {@code dns:} targets -- and plain {@code host:port} ones, which grpc gives the default scheme -- resolve
 * through {@link RefreshingDnsNameResolver}. Priority 6, above grpc's own DNS provider (5), so it wins in the
 * default registry; registered there by {@link #registerOnce()} (BackendChannels' static init).
 *
 * <p>A channel passes its settings as name-resolver args ({@code ManagedChannelBuilder.setNameResolverArg}):
 * {@link #REFRESH_INTERVAL} and {@link #STATUS}. A channel that passes none gets {@link #DEFAULT_REFRESH} and a
 * status of its own. Every resolver's lookups run on one shared daemon thread, {@code siskin-dns}: lookups are
 * few (one per backend and interval) and mostly answered by the JVM's cache. Thread-safe.
 */
public final class RefreshingDnsNameResolverProvider extends NameResolverProvider {
  /** How often a channel's resolver looks its name up again; {@link Duration#ZERO} = only on refresh(). */
  public static final NameResolver.Args.Key<Duration> REFRESH_INTERVAL =
      NameResolver.Args.Key.create("siskin.dns-refresh");
  /** Where the resolver records its lookups (the backend's). */
  public static final NameResolver.Args.Key<DnsStatus> STATUS = NameResolver.Args.Key.create("siskin.dns-status");
  /** The lookup to use instead of the JVM's; for tests that need a name with answers they control. */
  static final NameResolver.Args.Key<DnsLookup> LOOKUP = NameResolver.Args.Key.create("siskin.dns-lookup");
  /** reference.conf's {@code router.dns-refresh}, for channels that do not say. */
  static final Duration DEFAULT_REFRESH = Duration.ofSeconds(5);
  static final String SCHEME = "dns";

  private static final RefreshingDnsNameResolverProvider INSTANCE = new RefreshingDnsNameResolverProvider();
  private static boolean registered;

  private final DnsLookup lookup;

  RefreshingDnsNameResolverProvider(DnsLookup lookup) {
    this.lookup = lookup;
  }

  private RefreshingDnsNameResolverProvider() {
    this(DnsLookup.JDK);
  }

  /** Puts the provider into grpc's default registry (once per JVM). */
  static synchronized void registerOnce() {
    if (!registered) {
      NameResolverRegistry.getDefaultRegistry().register(INSTANCE);
      registered = true;
    }
  }

  @Override
  public NameResolver newNameResolver(URI targetUri, NameResolver.Args args) {
    if (!SCHEME.equals(targetUri.getScheme())) {
      return null;
    }
    DnsTarget target = DnsTarget.parse(targetUri, args.getDefaultPort());
    Duration interval = args.getArg(REFRESH_INTERVAL);
    DnsStatus status = args.getArg(STATUS);
    DnsLookup given = args.getArg(LOOKUP);
    return new RefreshingDnsNameResolver(target, interval == null ? DEFAULT_REFRESH : interval,
        given == null ? lookup : given,
        DnsThread.EXECUTOR, args.getSynchronizationContext(), args.getProxyDetector(),
        status == null ? new DnsStatus() : status, Clock.systemUTC(), System::nanoTime,
        () -> ThreadLocalRandom.current().nextDouble());
  }

  @Override
  public String getDefaultScheme() {
    return SCHEME;
  }

  @Override
  protected boolean isAvailable() {
    return true;
  }

  @Override
  protected int priority() {
    return 6;
  }

  @Override
  public Collection<Class<? extends SocketAddress>> getProducedSocketAddressTypes() {
    return List.of(InetSocketAddress.class);
  }

  /** The one lookup thread, made on first use. */
  private static final class DnsThread {
    static final ScheduledExecutorService EXECUTOR = create();

    private static ScheduledExecutorService create() {
      ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, runnable -> {
        Thread thread = new Thread(runnable, "siskin-dns");
        thread.setDaemon(true);
        return thread;
      });
      // Every refresh() and every change of plan cancels a timer: do not keep the cancelled ones queued.
      executor.setRemoveOnCancelPolicy(true);
      return Executors.unconfigurableScheduledExecutorService(executor);
    }
  }
}
