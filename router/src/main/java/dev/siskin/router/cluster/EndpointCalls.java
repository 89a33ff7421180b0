package dev.siskin.router.cluster;

/**
 * The call counters of one address of a backend ({@code /clusters} endpoints: in flight, calls, failed), bumped
 * by the frame core, which picks the address itself. Thread-safe.
 */
public interface EndpointCalls {
  /** Counts nothing: an address the backend's channel does not know (yet, or any longer). */
  EndpointCalls NONE = new EndpointCalls() {
    @Override
    public void started() {}

    @Override
    public void finished(boolean ok) {}
  };

  /** An attempt started on the address: in flight until {@link #finished}. */
  void started();

  /** The attempt started last ended: one more call, and a failed one unless {@code ok}. Once per start. */
  void finished(boolean ok);
}
