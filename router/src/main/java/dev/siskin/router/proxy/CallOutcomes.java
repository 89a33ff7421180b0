package dev.siskin.router.proxy;

/** Shared spellings of {@link dev.siskin.router.observe.CallOutcome} fields. */
public final class CallOutcomes {
  /** A backend or peer that does not exist, e.g. the backend of a call the router answered itself. */
  public static final String NONE = "-";

  private CallOutcomes() {}
}
