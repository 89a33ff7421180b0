package dev.siskin.model.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.siskin.model.load.ModelLoader;
import dev.siskin.model.testing.Repo;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The words of the mlservice-style Health answer through the server's life: starting, ok, draining. */
class ServingHealthTest {

    @Test
    void answersStartingThenOkThenDrainingForGood() throws Exception {
        ServingHealth health = new ServingHealth(ModelLoader.load(Repo.model("v1.0.0"), Optional.empty()));
        assertThat(health.response().getStatus()).isEqualTo("starting");
        assertThat(health.response().getModelVersion()).isEqualTo("v1.0.0");
        health.markServing();
        assertThat(health.response().getStatus()).isEqualTo("ok");
        health.markDraining();
        assertThat(health.response().getStatus()).isEqualTo("draining");
        health.markServing(); // too late: a draining server never reports ok again
        assertThat(health.response().getStatus()).isEqualTo("draining");
        assertThat(health.isServing()).isFalse();
    }
}
