package dev.siskin.client.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class AdminClientParseTest {
  @Test
  void readsNamesAndWeightsIgnoringOtherFields() throws AdminException {
    ClusterView view = AdminClient.parseClusters("""
        {"generation":3,"backends":[
          {"name":"v1","target":"127.0.0.1:50052","weight":90,"share":0.9,"inFlight":0,"callsTotal":123,
           "callsByStatus":{"OK":120,"UNAVAILABLE":3}},
          {"name":"v2","target":"127.0.0.1:50053","weight":10,"share":0.1}]}
        """);
    assertThat(view.generation()).isEqualTo(3);
    assertThat(view.weights().weights()).containsExactly(Map.entry("v1", 90.0), Map.entry("v2", 10.0));
    assertThat(view.weights().source()).isEqualTo("router admin /clusters");
  }

  @Test
  void generationIsOptional() throws AdminException {
    assertThat(AdminClient.parseClusters("{\"backends\":[{\"name\":\"a\",\"weight\":1}]}").generation()).isEqualTo(-1);
  }

  @Test
  void unusableAnswersAreReportedNotGuessed() {
    assertThatThrownBy(() -> AdminClient.parseClusters("<html>")).hasMessageStartingWith("router admin /clusters is not JSON");
    assertThatThrownBy(() -> AdminClient.parseClusters("{\"backends\":[]}"))
        .hasMessage("router admin /clusters has no \"backends\" array");
    assertThatThrownBy(() -> AdminClient.parseClusters("{\"backends\":[{\"name\":\"v1\",\"weight\":\"90\"}]}"))
        .hasMessageContaining("without text \"name\" and numeric \"weight\"");
    assertThatThrownBy(() -> AdminClient.parseClusters("{\"backends\":[{\"name\":\"v1\",\"weight\":0}]}"))
        .hasMessage("router admin /clusters: all weights are 0 (expected: at least one > 0)");
  }
}
