package dev.siskin.router.e2e;

import java.util.List;

/**
 * Kinds of bad canary.conf, each made from a valid text (as {@link CanaryConf#render()} writes it, v1 and
 * v2 at 50/50) by one change, with what the router's error must name.
 */
final class InvalidConfigs {
  /** One bad version: its name, its text, a fragment the reported error must contain. */
  record Invalid(String kind, String text, String namedInError) {
    @Override
    public String toString() {
      return kind;
    }
  }

  private InvalidConfigs() {}

  static List<Invalid> from(String valid) {
    String v2Line = valid.lines().filter(l -> l.trim().startsWith("v2 {")).findFirst().orElseThrow();
    String v2Target = v2Line.replaceAll(".*target = \"([^\"]*)\".*", "$1");
    String listenLine = valid.lines().filter(l -> l.trim().startsWith("listen =")).findFirst().orElseThrow();
    return List.of(
        new Invalid("syntax error", valid.replace(v2Line, v2Line.replace(" }", "")) + "# no closing brace\n",
            "end of file"),
        new Invalid("unknown key", valid.replace(v2Line, v2Line.replace("weight", "wieght")),
            "backends.v2.wieght"),
        new Invalid("negative weight", replaceV2Weight(valid, v2Line, "-5"), "-5"),
        new Invalid("non-integer weight", replaceV2Weight(valid, v2Line, "2.5"), "2.5"),
        new Invalid("non-numeric weight", replaceV2Weight(valid, v2Line, "\"ten\""), "ten"),
        new Invalid("all weights zero", replaceV2Weight(valid, v2Line, "0").replaceAll("weight = 50", "weight = 0"),
            "every weight is 0"),
        new Invalid("no backends", valid.substring(0, valid.indexOf("backends {")) + "backends {}\n", "backends"),
        new Invalid("target without port", valid.replace("\"" + v2Target + "\"", "\"127.0.0.1\""),
            "\"127.0.0.1\""),
        new Invalid("target with an unsupported scheme",
            valid.replace("\"" + v2Target + "\"", "\"http://" + v2Target + "\""), "http://"),
        new Invalid("missing target", valid.replace(v2Line, "  v2 { weight = 50 }"), "backends.v2"),
        new Invalid("unknown policy", valid.replace(listenLine, listenLine + "\n  policy = fastest"), "fastest"),
        new Invalid("listen port out of range",
            valid.replace(listenLine, listenLine.replaceAll(":\\d+\"", ":99999\"")), "99999"),
        new Invalid("unset environment variable",
            replaceV2Weight(valid, v2Line, "${SISKIN_E2E_UNSET_VARIABLE}"), "SISKIN_E2E_UNSET_VARIABLE"),
        // Half-written: cut in the middle of the v1 line, as a writer that died mid-file leaves it.
        new Invalid("half-written file", valid.substring(0, valid.indexOf("v1 {") + 12), "end of file"));
  }

  private static String replaceV2Weight(String valid, String v2Line, String weight) {
    return valid.replace(v2Line, v2Line.replaceAll("weight = \\d+", java.util.regex.Matcher.quoteReplacement("weight = " + weight)));
  }
}
