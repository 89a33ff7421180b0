package dev.siskin.router.observe;

import static java.util.Objects.requireNonNull;

import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fans every call event out to the registered listeners (metrics, admin, access log...). Listeners are
 * added at start-up and rarely after, while events fire on every call, hence a copy-on-write list: events
 * iterate a snapshot without locking. A listener that throws is logged and does not affect the call or the
 * other listeners.
 *
 * <p>Thread-safe.
 */
public final class CompositeCallListener implements CallListener {
  private static final Logger log = LoggerFactory.getLogger(CompositeCallListener.class);

  private final CopyOnWriteArrayList<CallListener> listeners = new CopyOnWriteArrayList<>();

  /** Registers a listener for every call from now on. */
  public void add(CallListener listener) {
    listeners.add(requireNonNull(listener, "listener"));
  }

  public void remove(CallListener listener) {
    listeners.remove(listener);
  }

  @Override
  public void onCallStarted(String backend, String fullMethod) {
    for (CallListener listener : listeners) {
      try {
        listener.onCallStarted(backend, fullMethod);
      } catch (RuntimeException e) {
        log.warn("call listener {} failed in onCallStarted", listener, e);
      }
    }
  }

  @Override
  public void onCallRerouted(String from, String to, String fullMethod) {
    for (CallListener listener : listeners) {
      try {
        listener.onCallRerouted(from, to, fullMethod);
      } catch (RuntimeException e) {
        log.warn("call listener {} failed in onCallRerouted", listener, e);
      }
    }
  }

  @Override
  public void onCallFinished(CallOutcome outcome) {
    for (CallListener listener : listeners) {
      try {
        listener.onCallFinished(outcome);
      } catch (RuntimeException e) {
        log.warn("call listener {} failed in onCallFinished", listener, e);
      }
    }
  }

  @Override
  public void onConnectionRefused(ConnectionRefusal refusal) {
    for (CallListener listener : listeners) {
      try {
        listener.onConnectionRefused(refusal);
      } catch (RuntimeException e) {
        log.warn("call listener {} failed in onConnectionRefused", listener, e);
      }
    }
  }
}
