package dev.siskin.router.cluster;

import io.grpc.LoadBalancer;
import io.grpc.LoadBalancerProvider;
import io.grpc.LoadBalancerRegistry;
import io.grpc.NameResolver.ConfigOrError;
import io.grpc.Status;
import io.grpc.util.ForwardingLoadBalancer;
import java.lang.ref.WeakReference;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * grpc's {@code round_robin} that also tells each backend which addresses its target resolved to, for the
 * admin endpoint's {@code /clusters}. grpc-java has no public accessor for a channel's resolved addresses;
 * the load balancer is the one place that receives every update.
 *
 * <p>A channel selects it through its default service config, which carries a key naming the channel's
 * {@link ResolvedAddressBook}: {@code {"loadBalancingConfig":[{"siskin_round_robin":{"book":"<key>"}}]}}.
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
    String key = Integer.toHexString(System.identityHashCode(book)) + "-" + System.nanoTime();
    INSTANCE.books.values().removeIf(ref -> ref.get() == null);
    INSTANCE.books.put(key, new WeakReference<>(book));
    return Map.of("loadBalancingConfig", List.of(Map.of(POLICY_NAME, Map.of("book", key))));
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
    LoadBalancer roundRobin = LoadBalancerRegistry.getDefaultRegistry()
        .getProvider("round_robin").newLoadBalancer(helper);
    return new ForwardingLoadBalancer() {
      @Override
      protected LoadBalancer delegate() {
        return roundRobin;
      }

      @Override
      public Status acceptResolvedAddresses(ResolvedAddresses resolved) {
        Object config = resolved.getLoadBalancingPolicyConfig();
        if (config instanceof String book) {
          ResolvedAddressBook target = find(book);
          if (target != null) {
            target.record(resolved.getAddresses());
          }
        }
        // round_robin takes no config of its own.
        return roundRobin.acceptResolvedAddresses(resolved.toBuilder().setLoadBalancingPolicyConfig(null).build());
      }

      // No removal of the key at shutdown: a channel that went idle shuts its balancer down and makes a new
      // one with the same parsed config on the next call, which must still find the book. The weak reference
      // lets the entry go once the backend owning the book is gone.
    };
  }
}
