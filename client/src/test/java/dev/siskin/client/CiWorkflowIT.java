package dev.siskin.client;

import static dev.siskin.client.RepoFiles.map;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The GitHub workflow parses and runs the steps the project promises, tearing down whatever happens. */
class CiWorkflowIT {
  @Test
  @SuppressWarnings("unchecked")
  void testsBuildsImagesRunsComposeChecksTheSplitAndTearsDown() throws Exception {
    Map<String, Object> workflow = RepoFiles.yaml(RepoFiles.root().resolve(".github/workflows/ci.yml"));
    Map<String, Object> jobs = map(workflow.get("jobs"), "jobs");
    List<Map<String, Object>> steps = (List<Map<String, Object>>) map(jobs.get("build"), "build job").get("steps");
    List<String> runs = steps.stream().map(s -> String.valueOf(s.getOrDefault("run", ""))).toList();
    List<String> order = List.of("mvn -B verify", "scripts/build-images.sh", "docker compose up -d --wait",
        "client.jar distribution -n 2000", "scripts/stage.sh 50", "--expect v1=50,v2=50", "docker compose down");
    int last = -1;
    for (String command : order) {
      int at = indexOfStepRunning(runs, command);
      assertThat(at).as("a step runs '" + command + "' after the previous one").isGreaterThanOrEqualTo(last);
      last = at;
    }
    Map<String, Object> teardown = steps.get(indexOfStepRunning(runs, "docker compose down"));
    assertThat(teardown).containsEntry("if", "always()");
  }

  private static int indexOfStepRunning(List<String> runs, String command) {
    for (int i = 0; i < runs.size(); i++) {
      if (runs.get(i).contains(command)) {
        return i;
      }
    }
    throw new AssertionError("no step runs '" + command + "'");
  }
}
