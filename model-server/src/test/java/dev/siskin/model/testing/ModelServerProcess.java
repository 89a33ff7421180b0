package dev.siskin.model.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The real model-server jar in a child process, started from the repository root with the given environment.
 * Its output (stdout and stderr merged) is collected line by line. Stopped by PID: {@link #terminate()} sends
 * SIGTERM, {@link #close()} kills it if it is still alive.
 */
public final class ModelServerProcess implements AutoCloseable {
    private static final Pattern STARTED = Pattern.compile("serving model \\S+ from .*? on port (\\d+)(, metrics on port (\\d+))?");

    private final Process process;
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final Thread reader;

    private ModelServerProcess(Process process) {
        this.process = process;
        this.reader = new Thread(this::readOutput, "model-server-output-" + process.pid());
        reader.setDaemon(true);
        reader.start();
    }

    public static ModelServerProcess start(Map<String, String> environment) throws IOException {
        Path jar = Path.of(System.getProperty("siskin.model-server.jar",
                Repo.root().resolve("model-server/target/model-server.jar").toString()));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " not built: run the integration tests through 'mvn verify'");
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder = new ProcessBuilder(java, "-Xmx256m", "-XX:+UseSerialGC", "-jar", jar.toString())
                .directory(Repo.root().toFile())
                .redirectErrorStream(true);
        // Only what the test sets: no MODEL_PATH or PORT of the developer's shell leaks in.
        builder.environment().keySet().removeIf(k -> k.startsWith("MODEL_") || k.startsWith("FAULT_") || k.startsWith("TLS_")
                || k.startsWith("DRAIN_") || k.equals("PORT") || k.equals("METRICS_PORT") || k.equals("HOST"));
        builder.environment().putAll(environment);
        return new ModelServerProcess(builder.start());
    }

    private void readOutput() {
        try (BufferedReader in = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                lines.add(line);
            }
        } catch (IOException e) {
            // the process is gone
        }
    }

    /** Waits for the start-up line and returns the gRPC port it names. */
    public int awaitGrpcPort() throws InterruptedException {
        return Integer.parseInt(awaitStarted().group(1));
    }

    /** Waits for the start-up line and returns the metrics port it names. */
    public int awaitMetricsPort() throws InterruptedException {
        String port = awaitStarted().group(3);
        if (port == null) {
            throw new AssertionError("start-up line names no metrics port: " + lines);
        }
        return Integer.parseInt(port);
    }

    private Matcher awaitStarted() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            for (String line : lines) {
                Matcher m = STARTED.matcher(line);
                if (m.find()) {
                    return m;
                }
            }
            if (!process.isAlive()) {
                throw new AssertionError("model server exited with " + process.exitValue() + ": " + output());
            }
            Thread.sleep(50);
        }
        throw new AssertionError("model server did not start within 60 s: " + output());
    }

    /**
     * Sends SIGTERM to the child's PID. Through its ProcessHandle: {@code Process.destroy()} would also close our
     * end of the child's output, losing what it logs while it drains.
     */
    public void terminate() {
        process.toHandle().destroy();
    }

    /** Waits for the process to exit and returns its status. */
    public int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("model server still running after " + timeout + ": " + output());
        }
        reader.join(Duration.ofSeconds(10).toMillis());
        return process.exitValue();
    }

    public long pid() {
        return process.pid();
    }

    public List<String> lines() {
        return new ArrayList<>(lines);
    }

    public String output() {
        return String.join("\n", lines);
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }
}
