package dev.siskin.router.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;

/**
 * A hosts file a router JVM reads instead of DNS ({@code -Djdk.net.hosts.file}); the JDK reads it again when it
 * changes. Each write replaces it in one rename, so the router never reads half of it.
 */
final class HostsFile {
  private final Path path;

  HostsFile(Path path) {
    this.path = path;
  }

  Path path() {
    return path;
  }

  /** Names and the addresses each resolves to; a name left out does not resolve. */
  void write(Map<String, List<String>> names) throws IOException {
    StringBuilder text = new StringBuilder("# written by a test\n");
    names.forEach((name, ips) -> ips.forEach(ip -> text.append(ip).append(' ').append(name).append('\n')));
    Path next = Files.writeString(path.resolveSibling(path.getFileName() + ".next"), text);
    Files.move(next, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** One name with these addresses. */
  void write(String name, String... ips) throws IOException {
    write(Map.of(name, List.of(ips)));
  }
}
