package dev.siskin.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.siskin.model.testing.ModelServerProcess;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The real jar refuses to start on bad input with exactly one clear line and exit status 2. */
class ModelServerStartupIT {

    @Test
    void missingModelFileStopsItWithOneClearLine() throws Exception {
        assertFailsWith(Map.of("MODEL_PATH", "models/iris-v9.9.9.tribuo", "PORT", "0"),
                "model-server: cannot start: model file models/iris-v9.9.9.tribuo not found "
                        + "(set MODEL_PATH to a .tribuo file; see models/)");
    }

    @Test
    void versionThatDoesNotMatchTheMetadataStopsIt() throws Exception {
        assertFailsWith(Map.of("MODEL_PATH", "models/iris-v1.0.0.tribuo", "MODEL_VERSION", "v2.0.0", "PORT", "0"),
                "model-server: cannot start: MODEL_VERSION v2.0.0 does not match version v1.0.0 in "
                        + "models/iris-v1.0.0.conf (unset MODEL_VERSION or point MODEL_PATH at the v2.0.0 model)");
    }

    @Test
    void invalidFaultSettingStopsIt() throws Exception {
        assertFailsWith(Map.of("MODEL_PATH", "models/iris-v1.0.0.tribuo", "PORT", "0", "FAULT_ERROR_RATE", "1.5"),
                "model-server: cannot start: FAULT_ERROR_RATE=1.5 is not a rate (expected: a number from 0 to 1, "
                        + "e.g. 0.3 fails 30 % of Predict calls)");
    }

    @Test
    void invalidWrongRateStopsIt() throws Exception {
        assertFailsWith(Map.of("MODEL_PATH", "models/iris-v1.0.0.tribuo", "PORT", "0", "FAULT_WRONG_RATE", "0.3x"),
                "model-server: cannot start: FAULT_WRONG_RATE=0.3x is not a rate (expected: a number from 0 to 1, "
                        + "e.g. 0.3 gives 30 % of Predict answers another species than the model's)");
    }

    private static void assertFailsWith(Map<String, String> env, String message) throws Exception {
        try (ModelServerProcess server = ModelServerProcess.start(env)) {
            assertThat(server.awaitExit(Duration.ofSeconds(60))).isEqualTo(2);
            List<String> lines = server.lines();
            assertThat(lines).as("output").hasSize(1);
            assertThat(lines.get(0)).contains(" ERROR ").endsWith(message);
        }
    }
}
