package dev.siskin.client;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/** Turns a failed call into one line that says what happened and what to try. */
public final class GrpcErrors {
  private GrpcErrors() {}

  /**
   * One line such as {@code Predict on 127.0.0.1:50051 failed: UNAVAILABLE (io exception: Connection refused)
   * -- is the server running and listening on that address?}.
   */
  public static String describe(String method, Target target, Throwable error) {
    return describe(method, target, Status.fromThrowable(error));
  }

  /** The same for a call's final status. */
  public static String describe(String method, Target target, Status status) {
    return method + " on " + target + " failed: " + statusText(status)
        + (isTls(status.getCause()) ? TLS_HINT : hint(status.getCode()));
  }

  /** {@code CODE (description: root cause)}, on one line. */
  public static String statusText(Status status) {
    StringBuilder detail = new StringBuilder();
    if (status.getDescription() != null) {
      detail.append(status.getDescription());
    }
    Throwable root = rootCause(status.getCause());
    if (root != null && root.getMessage() != null) {
      if (detail.length() > 0) {
        detail.append(": ");
      }
      detail.append(root.getMessage());
    }
    String text = status.getCode() + (detail.length() == 0 ? "" : " (" + detail + ")");
    return text.replaceAll("\\s*[\\r\\n]+\\s*", " ");
  }

  private static Throwable rootCause(Throwable t) {
    Throwable current = t;
    while (current != null && current.getCause() != null && current.getCause() != current) {
      current = current.getCause();
    }
    return current;
  }

  private static final String TLS_HINT = " -- the TLS handshake failed: does --tls-ca hold the CA of the server's "
      + "certificate, does that certificate name the --target host (or --authority), does the server require a client "
      + "certificate (--tls-cert, --tls-key), and does it serve TLS at all?";

  private static boolean isTls(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof javax.net.ssl.SSLException) {
        return true;
      }
    }
    return false;
  }

  private static String hint(Status.Code code) {
    return switch (code) {
      case UNAVAILABLE -> " -- is the server running and listening on that address?";
      case DEADLINE_EXCEEDED -> " -- the server did not answer in time; raise --deadline or check its load";
      case UNIMPLEMENTED -> " -- the target does not serve mlservice.v1.PredictionService; check --target";
      default -> "";
    };
  }

  /** Convenience for a caught {@link StatusRuntimeException}. */
  public static CliException asCliException(String method, Target target, StatusRuntimeException e) {
    return new CliException(describe(method, target, e));
  }
}
