package dev.siskin.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Dockerfiles checked against what the build really produces, since no Docker engine runs where the tests
 * run. Runs after {@code package} (failsafe), when the reactor has built every jar; the client is built last.
 */
class DockerfilesIT {
  private static final Pattern COPY_FROM_BUILD = Pattern.compile("--from=build\\s+(\\S+)\\s+(\\S+)");
  /** Paths other branches bring; until they are merged, their absence skips rather than fails. */
  private static final List<String> OTHER_WORK = List.of("models/", "config/", "model-server/src", "router/src");
  private static final Pattern MODULES = Pattern.compile("-pl\\s+(\\S+)");

  private Path root;

  @BeforeEach
  void locate() {
    root = RepoFiles.root();
  }

  @ParameterizedTest
  @ValueSource(strings = {"Dockerfile.model", "Dockerfile.router"})
  void multiStageMavenBuildThenJre(String name) throws IOException {
    Dockerfile file = Dockerfile.read(root.resolve(name));
    assertThat(file.stages()).hasSize(2);
    Dockerfile.Stage build = file.stage("build");
    assertThat(build.image()).isEqualTo("maven:3.9-eclipse-temurin-17");
    assertThat(file.runtime().image()).isEqualTo("eclipse-temurin:17-jre");
    // Pom-first layer: every module pom is copied and the dependencies fetched before any source arrives.
    List<Dockerfile.Instruction> steps = build.instructions();
    int goOffline = indexOf(steps, "RUN", "go-offline");
    int firstSource = indexOf(steps, "COPY", "/src ");
    assertThat(goOffline).as("dependency layer").isNotNegative().isLessThan(firstSource);
    for (String module : modules()) {
      assertThat(build.all("COPY")).as("pom of " + module + " before the dependency layer")
          .contains(module + "/pom.xml " + module + "/");
    }
    assertThat(build.last("RUN").orElseThrow()).contains("mvn -B -DskipTests").contains("package");
  }

  @ParameterizedTest
  @ValueSource(strings = {"Dockerfile.model", "Dockerfile.router"})
  void runsAsNonRootWithHealthcheckExposeAndContainerJvmFlags(String name) throws IOException {
    Dockerfile.Stage runtime = Dockerfile.read(root.resolve(name)).runtime();
    String user = runtime.last("USER").orElseThrow(() -> new AssertionError(name + " has no USER"));
    assertThat(user.split(":")[0]).as("USER").isNotIn("root", "0");
    assertThat(runtime.all("RUN")).anyMatch(r -> r.contains("useradd") && r.contains(user.split(":")[0]));
    assertThat(runtime.all("EXPOSE")).isNotEmpty();
    String healthcheck = runtime.last("HEALTHCHECK").orElseThrow(() -> new AssertionError(name + " has no HEALTHCHECK"));
    assertThat(healthcheck).contains("CMD ").contains("-jar /app/client.jar");
    assertThat(copiedInto(runtime)).contains("/app/client.jar");
    String env = String.join(" ", runtime.all("ENV"));
    assertThat(env).contains("-XX:MaxRAMPercentage=").contains("-XX:+ExitOnOutOfMemoryError");
    // Flags the image itself needs (the router's class-data archive) may stand before $JAVA_OPTS, never instead.
    assertThat(runtime.last("ENTRYPOINT").orElseThrow()).containsPattern("exec java (-XX:\\S+ )*\\$JAVA_OPTS -jar /app/");
  }

  /** A class-data archive the ENTRYPOINT maps is one that a RUN step of the same stage writes (AppCDS). */
  @ParameterizedTest
  @ValueSource(strings = {"Dockerfile.model", "Dockerfile.router"})
  void aSharedArchiveTheEntrypointMapsIsWrittenByTheImageBuild(String name) throws IOException {
    Dockerfile.Stage runtime = Dockerfile.read(root.resolve(name)).runtime();
    Matcher mapped = Pattern.compile("-XX:SharedArchiveFile=(\\S+)").matcher(runtime.last("ENTRYPOINT").orElseThrow());
    assumeTrue(mapped.find(), name + " maps no class-data archive");
    String archive = mapped.group(1);
    assertThat(runtime.all("RUN")).as(name + ": the RUN that writes " + archive)
        .anyMatch(r -> r.contains("-XX:ArchiveClassesAtExit=" + archive) && r.contains("-jar /app/"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"Dockerfile.model", "Dockerfile.router"})
  void copiedJarsAreWhatThePackagedModulesProduce(String name) throws IOException {
    Dockerfile file = Dockerfile.read(root.resolve(name));
    Dockerfile.Stage build = file.stage("build");
    String workdir = build.last("WORKDIR").orElseThrow();
    Matcher pl = MODULES.matcher(build.last("RUN").orElseThrow());
    assertThat(pl.find()).isTrue();
    List<String> built = Arrays.asList(pl.group(1).split(","));

    List<String> jars = new ArrayList<>();
    for (String copy : file.runtime().all("COPY")) {
      Matcher m = COPY_FROM_BUILD.matcher(copy);
      if (m.find()) {
        assertThat(m.group(1)).startsWith(workdir + "/");
        jars.add(m.group(1).substring(workdir.length() + 1));
      }
    }
    assertThat(jars).isNotEmpty();
    for (String jar : jars) {
      String module = jar.substring(0, jar.indexOf('/'));
      assertThat(built).as("module building " + jar).contains(module);
      // Our shade configuration names the jar after the module: <module>/target/<module>.jar.
      assertThat(jar).isEqualTo(module + "/target/" + module + ".jar");
    }
    // This test runs after the client's package phase, so client.jar is always there.
    assertThat(root.resolve("client/target/client.jar")).isRegularFile();
    List<String> missing = jars.stream().filter(j -> !Files.isRegularFile(root.resolve(j))).toList();
    assumeTrue(missing.isEmpty(), "jars " + missing + " not built in this checkout (their modules have no sources "
        + "yet); run the full reactor build to check them");
    jars.forEach(j -> assertThat(root.resolve(j)).isRegularFile());
  }

  @ParameterizedTest
  @ValueSource(strings = {"Dockerfile.model", "Dockerfile.router"})
  void sourcesCopiedFromTheContextExistAndAreNotDockerIgnored(String name) throws IOException {
    Dockerfile file = Dockerfile.read(root.resolve(name));
    List<PathMatcher> ignored = dockerignore();
    List<String> absent = new ArrayList<>();
    for (Dockerfile.Stage stage : file.stages()) {
      for (String copy : stage.all("COPY")) {
        if (copy.startsWith("--from=")) {
          continue;
        }
        List<String> words = Arrays.asList(copy.split("\\s+"));
        for (String source : words.subList(0, words.size() - 1)) {
          for (String path : expand(source, stage)) {
            assertThat(isIgnored(ignored, path)).as(path + " excluded by .dockerignore").isFalse();
            if (OTHER_WORK.stream().anyMatch(path::startsWith) && !Files.exists(root.resolve(path))) {
              absent.add(path);
              continue;
            }
            assertThat(root.resolve(path)).as(name + " copies " + path).exists();
          }
        }
      }
    }
    assumeTrue(absent.isEmpty(), absent + " not in this checkout (they come with the model-server, router or "
        + "config work); everything else " + name + " copies exists");
  }

  /** The health checks run as written, against a fake server: exit 0 when healthy, non-zero when not. */
  @ParameterizedTest
  @ValueSource(strings = {"Dockerfile.model", "Dockerfile.router"})
  void healthcheckCommandReallyChecks(String name) throws Exception {
    String command = Dockerfile.read(root.resolve(name)).runtime().last("HEALTHCHECK").orElseThrow();
    command = command.substring(command.indexOf("CMD ") + 4).replace("/app/client.jar",
        root.resolve("client/target/client.jar").toString());
    if (name.equals("Dockerfile.model")) {
      try (FakePredictionServer serving = FakePredictionServer.modelServer("ok");
           FakePredictionServer draining = FakePredictionServer.modelServer("draining")) {
        assertThat(runShell(command, Map.of("PORT", port(serving.target())))).isZero();
        assertThat(runShell(command, Map.of("PORT", port(draining.target())))).isEqualTo(1);
      }
      assertThat(runShell(command, Map.of("PORT", port(FreePort.address())))).isEqualTo(1);
    } else {
      assertThat(command).contains("127.0.0.1:9901");
      // The admin port is fixed in the image; the fake listens on an ephemeral one, so point the probe there.
      try (FakeAdmin ready = FakeAdmin.withWeights(90, 10); FakeAdmin notReady = new FakeAdmin("{}", 503)) {
        assertThat(runShell(command.replace("127.0.0.1:9901", ready.address()), Map.of())).isZero();
        assertThat(runShell(command.replace("127.0.0.1:9901", notReady.address()), Map.of())).isEqualTo(1);
      }
      assertThat(runShell(command.replace("127.0.0.1:9901", FreePort.address()), Map.of())).isEqualTo(1);
    }
  }

  private static String port(String hostPort) {
    return hostPort.substring(hostPort.lastIndexOf(':') + 1);
  }

  /** Runs a command line with sh, as Docker runs a shell-form HEALTHCHECK; returns its exit code. */
  private static int runShell(String command, Map<String, String> env) throws Exception {
    ProcessBuilder pb = new ProcessBuilder("sh", "-c", command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD);
    pb.environment().putAll(env);
    Process p = pb.start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("health check still running after 60 s: " + command);
    }
    return p.exitValue();
  }

  private List<String> modules() {
    return List.of("proto", "testkit", "tls", "model-server", "router", "client");
  }

  /** ARG defaults substituted; for Dockerfile.model both model versions compose builds. */
  private static List<String> expand(String source, Dockerfile.Stage stage) {
    if (!source.contains("${MODEL_VERSION}")) {
      return List.of(source);
    }
    assertThat(stage.all("ARG")).contains("MODEL_VERSION=v1.0.0");
    return List.of(source.replace("${MODEL_VERSION}", "v1.0.0"), source.replace("${MODEL_VERSION}", "v2.0.0"));
  }

  private List<PathMatcher> dockerignore() throws IOException {
    List<PathMatcher> out = new ArrayList<>();
    for (String line : Files.readAllLines(root.resolve(".dockerignore"))) {
      String p = line.strip();
      if (p.isEmpty() || p.startsWith("#")) {
        continue;
      }
      String glob = p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
      out.add(FileSystems.getDefault().getPathMatcher("glob:" + glob));
      out.add(FileSystems.getDefault().getPathMatcher("glob:" + glob + "/**"));
    }
    return out;
  }

  private static boolean isIgnored(List<PathMatcher> ignored, String path) {
    Path p = Path.of(path);
    return ignored.stream().anyMatch(m -> m.matches(p));
  }

  private static List<String> copiedInto(Dockerfile.Stage stage) {
    return stage.all("COPY").stream().map(c -> c.substring(c.lastIndexOf(' ') + 1)).toList();
  }

  private static int indexOf(List<Dockerfile.Instruction> steps, String keyword, String containing) {
    for (int i = 0; i < steps.size(); i++) {
      if (steps.get(i).keyword().equals(keyword) && steps.get(i).args().contains(containing)) {
        return i;
      }
    }
    return -1;
  }
}
