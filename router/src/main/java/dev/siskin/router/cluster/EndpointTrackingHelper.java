package dev.siskin.router.cluster;

import static java.util.Objects.requireNonNull;

import io.grpc.ConnectivityStateInfo;
import io.grpc.LoadBalancer;
import io.grpc.LoadBalancer.CreateSubchannelArgs;
import io.grpc.LoadBalancer.Subchannel;
import io.grpc.LoadBalancer.SubchannelStateListener;
import io.grpc.util.ForwardingLoadBalancerHelper;
import io.grpc.util.ForwardingSubchannel;

/**
 * The helper that round_robin gets in a backend's channel: records each subchannel (one address of the
 * channel) in the backend's {@link ResolvedAddressBook} -- its state from start to shutdown, health included --
 * where the frame core reads which addresses to call. The channel carries health checks only; the calls an
 * address serves are counted by the frame core ({@link EndpointCalls}).
 *
 * <p>It sits above the health-checking helper, so the states it sees are the ones round_robin acts on.
 *
 * <p>Thread-safety: grpc calls createSubchannel, start and the listeners on the channel's synchronization
 * context.
 */
final class EndpointTrackingHelper extends ForwardingLoadBalancerHelper {
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
      // The address stays in the book's view while the frame core's calls on it run (EndpointStats.gone).
      connection.close();
      super.shutdown();
    }
  }
}
