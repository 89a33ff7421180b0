package dev.siskin.router.testing;

import dev.siskin.router.observe.CallListener;
import dev.siskin.router.observe.CallOutcome;
import dev.siskin.router.observe.ConnectionRefusal;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/** Keeps every call event, for assertions. */
public final class RecordingListener implements CallListener {
  public final AtomicInteger started = new AtomicInteger();
  private final ConcurrentLinkedQueue<CallOutcome> finished = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<ConnectionRefusal> refused = new ConcurrentLinkedQueue<>();

  @Override
  public void onCallStarted(String backend, String fullMethod) {
    started.incrementAndGet();
  }

  @Override
  public void onCallFinished(CallOutcome outcome) {
    finished.add(outcome);
  }

  public List<CallOutcome> finished() {
    return List.copyOf(finished);
  }

  @Override
  public void onConnectionRefused(ConnectionRefusal refusal) {
    refused.add(refusal);
  }

  public List<ConnectionRefusal> refused() {
    return List.copyOf(refused);
  }
}
