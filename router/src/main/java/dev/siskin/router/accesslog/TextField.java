package dev.siskin.router.accesslog;

/**
 * Writes a value that a client chose (method name, peer) or an operator did (backend name) as one field of a
 * space-separated log line, such that nothing in it can end the line, split the field or pass for another field.
 * A method name is the HTTP/2 {@code :path} a client sent, and gRPC forwards any octets in it: a {@code \n}
 * followed by a made-up line, a space and {@code status=OK}, a {@code "} that opens a logfmt value.
 *
 * <p>Visible ASCII stays as it is, except {@code \}, {@code "} and {@code =}; those, the space, control characters
 * and everything beyond ASCII (e.g. U+0085 and U+2028, which some tools take for line ends, and bidi overrides
 * such as U+202E, which reorder what a reader sees) are written {@code \xHH} (up to U+00FF) or <code>&#92;uHHHH</code>.
 * Escaping the backslash keeps the form reversible. An empty value is written {@code -}, like a missing one, so
 * that the field does not vanish. Legitimate gRPC method names, addresses and backend names contain none of
 * these, so they read as before. Stateless.
 */
final class TextField {
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private TextField() {}

  static void append(StringBuilder line, String value) {
    if (value.isEmpty()) {
      line.append('-');
      return;
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (isPlain(c)) {
        line.append(c);
      } else if (c <= 0xff) {
        line.append("\\x").append(HEX[c >> 4]).append(HEX[c & 0xf]);
      } else {
        line.append("\\u").append(HEX[c >> 12]).append(HEX[(c >> 8) & 0xf]).append(HEX[(c >> 4) & 0xf])
            .append(HEX[c & 0xf]);
      }
    }
  }

  private static boolean isPlain(char c) {
    return c > ' ' && c < 0x7f && c != '\\' && c != '"' && c != '=';
  }
}
