package dev.siskin.router.admin;

import dev.siskin.router.admin.http.Response;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The files of the admin endpoint's live dashboard ({@code GET /}): a page, its script and style from this
 * package's resources, and uPlot from its WebJar. All read once, at start (about 70 kB): a missing file is a
 * packaging fault that stops the start, not a 404 a user meets later. Immutable, thread-safe.
 */
final class DashboardAssets {
  /** The WebJar's version (the parent pom's {@code uplot.version}): its files live under it. */
  static final String UPLOT_VERSION = "1.6.30";
  private static final String UPLOT = "/META-INF/resources/webjars/uplot/" + UPLOT_VERSION + "/";
  private static final String OWN = "/dev/siskin/router/admin/dashboard/";

  private final Map<String, Response.Fixed> byPath;

  private DashboardAssets(Map<String, Response.Fixed> byPath) {
    this.byPath = Map.copyOf(byPath);
  }

  static DashboardAssets load() {
    Map<String, Response.Fixed> files = new LinkedHashMap<>();
    // The page itself must be fetched anew (a new router version); the rest is versioned by the page's links.
    files.put("/", asset(OWN + "index.html", "text/html; charset=utf-8", "no-cache"));
    files.put("/dashboard/dashboard.js", asset(OWN + "dashboard.js", "text/javascript; charset=utf-8", "no-cache"));
    files.put("/dashboard/dashboard.css", asset(OWN + "dashboard.css", "text/css; charset=utf-8", "no-cache"));
    files.put("/dashboard/uPlot.iife.min.js", asset(UPLOT + "dist/uPlot.iife.min.js",
        "text/javascript; charset=utf-8", "max-age=86400"));
    files.put("/dashboard/uPlot.min.css", asset(UPLOT + "dist/uPlot.min.css", "text/css; charset=utf-8",
        "max-age=86400"));
    files.put("/dashboard/uPlot.LICENSE", asset(UPLOT + "LICENSE", "text/plain; charset=utf-8", "max-age=86400"));
    return new DashboardAssets(files);
  }

  /** The paths served, for the routes and the 404's list. */
  java.util.Set<String> paths() {
    return byPath.keySet();
  }

  Optional<Response.Fixed> get(String path) {
    return Optional.ofNullable(byPath.get(path));
  }

  private static Response.Fixed asset(String resource, String type, String cacheControl) {
    try (InputStream in = DashboardAssets.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("the dashboard's " + resource + " is not in the router's jar (a build "
            + "fault: rebuild with mvn -B -pl router -am package)");
      }
      return Response.fixed(200, type, in.readAllBytes()).withHeader("Cache-Control", cacheControl)
          .withHeader("X-Content-Type-Options", "nosniff");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
