package dev.siskin.client;

/** The client's exit codes; scripts and CI depend on them, so they are part of its interface. */
public final class ExitCodes {
  /** The command did what was asked and every check passed. */
  public static final int OK = 0;
  /** A check failed (implausible split, failed calls, not serving) or the target could not be reached. */
  public static final int FAILED = 1;
  /** The command line was wrong (picocli's usage-error code). */
  public static final int USAGE = 2;

  private ExitCodes() {}
}
