package dev.siskin.router.cluster;

import io.grpc.LoadBalancer;
import io.grpc.LoadBalancerProvider;
import io.grpc.LoadBalancerRegistry;
import io.grpc.NameResolver.ConfigOrError;
import io.grpc.Status;
import io.grpc.protobuf.services.HealthCheckingLoadBalancerUtil;
import io.grpc.util.ForwardingLoadBalancer;
import java.lang.ref.WeakReference;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * grpc's {@code round_robin} under grpc's per-address health checking, recording for the admin endpoint's
 * {@code /clusters} which addresses the backend's target resolved to and, per address, its state and calls
 * ({@link EndpointTrackingHelper}). grpc-java has no public accessor for a channel's resolved addresses; the
 * load balancer is the one place that receives every update.
 *
 * <p>A channel selects it through its default service config, which carries a key naming the channel's
 * {@link ResolvedAddressBook}: {@code {"loadBalancingConfig":[{"siskin_round_robin":{"book":"<key>"}}]}}, and,
 * for per-address health checks, {@code "healthCheckConfig":{"serviceName":"<service>"}}, which the channel
 * hands the balancer as {@link LoadBalancer#ATTR_HEALTH_CHECKING_CONFIG}.
 * The map from key to book holds books weakly: an entry goes once its backend (the book's owner) is gone, pruned
 * when the next channel registers. Thread-safe.
 */
final class AddressRecordingRoundRobin extends LoadBalancerProvider {
  static final String POLICY_NAME = "siskin_round_robin";
  private static final AddressRecordingRoundRobin INSTANCE = new AddressRecordingRoundRobin();

  static {
    LoadBalancerRegistry.getDefaultRegistry().register(INSTANCE);
  }

  private final Map<String, WeakReference<ResolvedAddressBook>> books = new ConcurrentHashMap<>();

  private AddressRecordingRoundRobin() {}

  /**
   * The service config that makes a channel use this policy and record into {@code book}.
   * Registers the book under a fresh key.
   */
  static Map<String, ?> serviceConfigFor(ResolvedAddressBook book) {
    return serviceConfigFor(book, null);
  }

  /**
   * As {@link #serviceConfigFor(ResolvedAddressBook)}, with per-address health checks of {@code healthService}
   * ({@code ""} = the server as a whole); null = none.
   */
  static Map<String, ?> serviceConfigFor(ResolvedAddressBook book, String healthService) {
    String key = Integer.toHexString(System.identityHashCode(book)) + "-" + System.nanoTime();
    INSTANCE.books.values().removeIf(ref -> ref.get() == null);
    INSTANCE.books.put(key, new WeakReference<>(book));
    Map<String, Object> config = new java.util.LinkedHashMap<>();
    config.put("loadBalancingConfig", List.of(Map.of(POLICY_NAME, Map.of("book", key))));
    if (healthService != null) {
      config.put("healthCheckConfig", Map.of("serviceName", healthService));
    }
    return config;
  }

  private ResolvedAddressBook find(String key) {
    WeakReference<ResolvedAddressBook> ref = books.get(key);
    return ref == null ? null : ref.get();
  }

  @Override
  public boolean isAvailable() {
    return true;
  }

  @Override
  public int getPriority() {
    return 5;
  }

  @Override
  public String getPolicyName() {
    return POLICY_NAME;
  }

  @Override
  public ConfigOrError parseLoadBalancingPolicyConfig(Map<String, ?> rawConfig) {
    Object key = rawConfig.get("book");
    if (!(key instanceof String book) || find(book) == null) {
      return ConfigOrError.fromError(Status.INTERNAL.withDescription(
          "siskin router: " + POLICY_NAME + " config without a known address book: " + rawConfig));
    }
    return ConfigOrError.fromConfig(book);
  }

  @Override
  public LoadBalancer newLoadBalancer(LoadBalancer.Helper helper) {
    LoadBalancerProvider roundRobin = LoadBalancerRegistry.getDefaultRegistry().getProvider("round_robin");
    EndpointTrackingHelper[] tracking = new EndpointTrackingHelper[1];
    // Health checks per address (grpc.health.v1.Health/Watch on each subchannel) when the channel's service
    // config has a healthCheckConfig; a no-op wrapper otherwise. round_robin then picks an address only while
    // its health service answers SERVING (or has none: UNIMPLEMENTED counts as healthy, as in HealthChecker).
    LoadBalancer balancer = HealthCheckingLoadBalancerUtil.newHealthCheckingLoadBalancer(new LoadBalancer.Factory() {
      @Override
      public LoadBalancer newLoadBalancer(LoadBalancer.Helper healthHelper) {
        tracking[0] = new EndpointTrackingHelper(healthHelper);
        return roundRobin.newLoadBalancer(tracking[0]);
      }
    }, helper);
    EndpointTrackingHelper endpoints = tracking[0];
    return new ForwardingLoadBalancer() {
      @Override
      protected LoadBalancer delegate() {
        return balancer;
      }

      @Override
      public Status acceptResolvedAddresses(ResolvedAddresses resolved) {
        Object config = resolved.getLoadBalancingPolicyConfig();
        if (config instanceof String book) {
          ResolvedAddressBook target = find(book);
          if (target != null) {
            target.record(resolved.getAddresses());
            endpoints.book(target);
          }
        }
        // round_robin takes no config of its own.
        return balancer.acceptResolvedAddresses(resolved.toBuilder().setLoadBalancingPolicyConfig(null).build());
      }

      // No removal of the key at shutdown: a channel that went idle shuts its balancer down and makes a new
      // one with the same parsed config on the next call, which must still find the book. The weak reference
      // lets the entry go once the backend owning the book is gone.
    };
  }
}
