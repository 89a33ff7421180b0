package dev.siskin.router.h2;

/**
 * The {@code grpc-timeout} header (gRPC over HTTP/2: at most 8 digits and a unit H, M, S, m, u or n). Stateless.
 */
final class GrpcTimeout {
  static final String HEADER = "grpc-timeout";

  private GrpcTimeout() {}

  /** The timeout in nanoseconds, or -1 when the value is not a valid grpc-timeout. */
  static long parseNanos(CharSequence value) {
    int n = value.length();
    if (n < 2 || n > 9) {
      return -1;
    }
    long amount = 0;
    for (int i = 0; i < n - 1; i++) {
      char c = value.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      amount = amount * 10 + (c - '0');
    }
    long unit = switch (value.charAt(n - 1)) {
      case 'H' -> 3_600_000_000_000L;
      case 'M' -> 60_000_000_000L;
      case 'S' -> 1_000_000_000L;
      case 'm' -> 1_000_000L;
      case 'u' -> 1_000L;
      case 'n' -> 1L;
      default -> -1;
    };
    if (unit < 0) {
      return -1;
    }
    return amount > Long.MAX_VALUE / unit ? Long.MAX_VALUE : amount * unit;
  }

  /** A header value for {@code nanos}, in the finest unit whose amount fits in 8 digits. */
  static String format(long nanos) {
    long[] units = {1L, 1_000L, 1_000_000L, 1_000_000_000L, 60_000_000_000L, 3_600_000_000_000L};
    char[] names = {'n', 'u', 'm', 'S', 'M', 'H'};
    for (int i = 0; i < units.length; i++) {
      long amount = (nanos + units[i] - 1) / units[i]; // rounded up: never shorter than asked
      if (amount < 100_000_000L) {
        return amount + String.valueOf(names[i]);
      }
    }
    return "99999999H";
  }
}
