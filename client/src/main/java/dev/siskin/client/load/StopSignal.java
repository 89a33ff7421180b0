package dev.siskin.client.load;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Turns SIGINT (Ctrl-C) and SIGTERM into a call, for as long as it is open, so that a stopped load run still
 * prints what it sent instead of the JVM exiting mid-run. Closing puts the previous handlers back.
 * sun.misc.Signal is the only way to do that in Java; where a signal cannot be handled (e.g. the JVM runs with
 * -Xrs) it is left alone and the default applies.
 */
public final class StopSignal implements AutoCloseable {
  private final List<Signal> signals = new ArrayList<>();
  private final List<SignalHandler> previous = new ArrayList<>();

  private StopSignal() {}

  /** @param onSignal told the signal's name, e.g. SIGINT, on the JVM's signal thread */
  public static StopSignal install(Consumer<String> onSignal) {
    StopSignal installed = new StopSignal();
    for (String name : new String[] {"INT", "TERM"}) {
      try {
        Signal signal = new Signal(name);
        installed.previous.add(Signal.handle(signal, s -> onSignal.accept("SIG" + s.getName())));
        installed.signals.add(signal);
      } catch (IllegalArgumentException e) {
        // Not available here: the default behaviour stays.
      }
    }
    return installed;
  }

  @Override
  public void close() {
    for (int i = 0; i < signals.size(); i++) {
      Signal.handle(signals.get(i), previous.get(i));
    }
  }
}
