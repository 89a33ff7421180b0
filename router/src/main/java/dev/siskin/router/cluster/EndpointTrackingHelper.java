package dev.siskin.router.cluster;

import static java.util.Objects.requireNonNull;

import io.grpc.ConnectivityState;
import io.grpc.ConnectivityStateInfo;
import io.grpc.LoadBalancer;
import io.grpc.LoadBalancer.CreateSubchannelArgs;
import io.grpc.LoadBalancer.PickResult;
import io.grpc.LoadBalancer.PickSubchannelArgs;
import io.grpc.LoadBalancer.Subchannel;
import io.grpc.LoadBalancer.SubchannelPicker;
import io.grpc.LoadBalancer.SubchannelStateListener;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.util.ForwardingLoadBalancerHelper;
import io.grpc.util.ForwardingSubchannel;

/**
 * The helper that round_robin gets in a backend's channel: records each subchannel (one address of the
 * channel) in the backend's {@link ResolvedAddressBook} -- its state from start to shutdown, health included --
 * and makes every pick carry the address's stream tracer, which counts the calls in flight and finished on it.
 *
 * <p>It sits above the health-checking helper, so the states it sees are the ones round_robin acts on. Health
 * checks ({@code grpc.health.v1.Health}) through the channel are not counted: they are not forwarded calls.
 *
 * <p>Thread-safety: grpc calls createSubchannel, start and the listeners on the channel's synchronization
 * context; the pickers run on any call thread and only read immutable state and bump atomics.
 */
final class EndpointTrackingHelper extends ForwardingLoadBalancerHelper {
  private static final String HEALTH_SERVICE = HealthGrpc.SERVICE_NAME;

  private final LoadBalancer.Helper delegate;
  /**
   * The backend's book, known from the first resolved addresses' config (before any subchannel exists). A
   * throwaway one until then. Synchronization context only.
   */
  private ResolvedAddressBook book = new ResolvedAddressBook();

  EndpointTrackingHelper(LoadBalancer.Helper delegate) {
    this.delegate = requireNonNull(delegate, "delegate");
  }

  /** Where subchannels created from now on are recorded. */
  void book(ResolvedAddressBook book) {
    this.book = requireNonNull(book, "book");
  }

  @Override
  protected LoadBalancer.Helper delegate() {
    return delegate;
  }

  @Override
  public Subchannel createSubchannel(CreateSubchannelArgs args) {
    EndpointStats.Connection connection = book.connect(ResolvedAddressBook.format(args.getAddresses()));
    SubchannelStateListener health = args.getOption(LoadBalancer.HEALTH_CONSUMER_LISTENER_ARG_KEY);
    if (health != null) {
      // pick_first leaf: the health verdict comes to this listener, apart from the raw connection state.
      args = args.toBuilder().addOption(LoadBalancer.HEALTH_CONSUMER_LISTENER_ARG_KEY, state -> {
        connection.health(state.getState());
        health.onSubchannelState(state);
      }).build();
    }
    Subchannel subchannel;
    try {
      subchannel = super.createSubchannel(args);
    } catch (RuntimeException e) {
      connection.close();
      throw e;
    }
    return new TrackedSubchannel(subchannel, connection);
  }

  @Override
  public void updateBalancingState(ConnectivityState state, SubchannelPicker picker) {
    super.updateBalancingState(state, new CountingPicker(picker));
  }

  /** A subchannel that reports its states to its {@link EndpointStats.Connection}. */
  static final class TrackedSubchannel extends ForwardingSubchannel {
    private final Subchannel delegate;
    private final EndpointStats.Connection connection;

    TrackedSubchannel(Subchannel delegate, EndpointStats.Connection connection) {
      this.delegate = delegate;
      this.connection = connection;
    }

    @Override
    protected Subchannel delegate() {
      return delegate;
    }

    @Override
    public void start(SubchannelStateListener listener) {
      delegate.start(new SubchannelStateListener() {
        @Override
        public void onSubchannelState(ConnectivityStateInfo state) {
          connection.raw(state.getState());
          listener.onSubchannelState(state);
        }
      });
    }

    @Override
    public void shutdown() {
      // Graceful in grpc-java: the streams running on the address finish; the tracers count them down.
      connection.close();
      super.shutdown();
    }
  }

  /** Gives each pick of a tracked subchannel that address's tracer, and hands grpc the real subchannel. */
  private static final class CountingPicker extends SubchannelPicker {
    private final SubchannelPicker delegate;

    CountingPicker(SubchannelPicker delegate) {
      this.delegate = delegate;
    }

    @Override
    public PickResult pickSubchannel(PickSubchannelArgs args) {
      PickResult result = delegate.pickSubchannel(args);
      if (!(result.getSubchannel() instanceof TrackedSubchannel tracked)) {
        return result;
      }
      PickResult unwrapped = result.copyWithSubchannel(tracked.delegate());
      // round_robin sets no tracer of its own; should a future one, keep it rather than count.
      if (result.getStreamTracerFactory() != null
          || HEALTH_SERVICE.equals(args.getMethodDescriptor().getServiceName())) {
        return unwrapped;
      }
      return unwrapped.copyWithStreamTracerFactory(tracked.connection.stats().tracers());
    }

    @Override
    public String toString() {
      return "CountingPicker{" + delegate + "}";
    }
  }
}
