package dev.siskin.router.admin.http;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Parses a complete request head (RFC 9112) strictly: what it does not understand it rejects with the status that
 * says why, rather than guess. Stateless.
 */
final class RequestHeadParser {
  private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
  private static final Pattern VERSION = Pattern.compile("HTTP/[0-9]\\.[0-9]");

  private RequestHeadParser() {}

  static RequestHead parse(byte[] head, int maxHeaders) throws RejectedRequest {
    // ISO-8859-1 maps each byte to one char: field values are octets, and nothing is lost or replaced.
    String[] lines = new String(head, StandardCharsets.ISO_8859_1).split("\n", -1);
    String[] requestLine = stripCr(lines[0]).split(" ", -1);
    if (requestLine.length != 3 || !TOKEN.matcher(requestLine[0]).matches() || requestLine[1].isEmpty()) {
      throw new RejectedRequest(400, "malformed request line (expected: METHOD /path HTTP/1.1)");
    }
    String version = requestLine[2];
    if (!version.equals("HTTP/1.1") && !version.equals("HTTP/1.0")) {
      throw VERSION.matcher(version).matches()
          ? new RejectedRequest(505, "HTTP version " + version + " not supported (expected: HTTP/1.1 or HTTP/1.0)")
          : new RejectedRequest(400, "malformed request line (expected: METHOD /path HTTP/1.1)");
    }
    Map<String, List<String>> headers = headers(lines, maxHeaders);
    return new RequestHead(requestLine[0], path(requestLine[1]), version, headers, hasBody(headers));
  }

  private static Map<String, List<String>> headers(String[] lines, int maxHeaders) throws RejectedRequest {
    Map<String, List<String>> headers = new LinkedHashMap<>();
    int count = 0;
    for (int i = 1; i < lines.length; i++) {
      String line = stripCr(lines[i]);
      if (line.isEmpty()) {
        break; // the end of the head
      }
      if (++count > maxHeaders) {
        throw new RejectedRequest(431, "more than " + maxHeaders + " header fields");
      }
      if (line.charAt(0) == ' ' || line.charAt(0) == '\t') {
        throw new RejectedRequest(400, "header line folded over several lines (obsolete; send one line per field)");
      }
      int colon = line.indexOf(':');
      if (colon <= 0 || !TOKEN.matcher(line.substring(0, colon)).matches()) {
        throw new RejectedRequest(400, "malformed header field (expected: Name: value)");
      }
      String value = line.substring(colon + 1).strip();
      if (hasControlCharacter(value)) {
        throw new RejectedRequest(400, "control character in the value of header " + line.substring(0, colon));
      }
      headers.computeIfAbsent(line.substring(0, colon).toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(value);
    }
    return headers;
  }

  private static boolean hasBody(Map<String, List<String>> headers) throws RejectedRequest {
    if (headers.containsKey("transfer-encoding")) {
      return true;
    }
    List<String> lengths = headers.get("content-length");
    if (lengths == null) {
      return false;
    }
    String first = lengths.get(0);
    for (String l : lengths) {
      if (!l.equals(first) || l.isEmpty() || !l.chars().allMatch(c -> c >= '0' && c <= '9')) {
        throw new RejectedRequest(400, "malformed Content-Length");
      }
    }
    return !first.chars().allMatch(c -> c == '0');
  }

  private static String path(String target) throws RejectedRequest {
    if (target.equals("*")) {
      return target;
    }
    try {
      URI uri = new URI(target);
      if (!target.startsWith("/") && !uri.isAbsolute()) {
        throw new RejectedRequest(400, "malformed request target (expected: /path)");
      }
      String path = uri.getPath();
      return path == null || path.isEmpty() ? "/" : path;
    } catch (URISyntaxException e) {
      throw new RejectedRequest(400, "malformed request target (" + e.getReason() + ")");
    }
  }

  private static boolean hasControlCharacter(String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if ((c < 0x20 && c != '\t') || c == 0x7f) {
        return true;
      }
    }
    return false;
  }

  private static String stripCr(String line) {
    return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
  }
}
