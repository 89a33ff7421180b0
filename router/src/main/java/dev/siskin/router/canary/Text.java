package dev.siskin.router.canary;

/** Cuts strings that came from the network to a length that is safe to keep. */
final class Text {
  private Text() {}

  /** {@code s} itself when it has at most {@code maxChars} chars, else its first {@code maxChars} and "…". */
  static String truncate(String s, int maxChars) {
    if (s.length() <= maxChars) {
      return s;
    }
    int end = Character.isHighSurrogate(s.charAt(maxChars - 1)) ? maxChars - 1 : maxChars;
    return s.substring(0, end) + "…";
  }
}
