package dev.siskin.model.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.siskin.model.predict.Classification;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FaultInjectorTest {

    @Test
    void disabledByDefaultDrawsNothing() throws Exception {
        FaultInjector off = new FaultInjector(FaultSettings.parse("", "0", "UNAVAILABLE", "0", ""));
        assertThat(off.enabled()).isFalse();
        for (int i = 0; i < 100; i++) {
            assertThat(off.next()).isEqualTo(Fault.NONE);
        }
    }

    @Test
    void sameSeedGivesTheSameSequence() throws Exception {
        FaultSettings settings = FaultSettings.parse("p50=10,p99=100", "0.3", "UNAVAILABLE", "0", "1234");
        assertThat(describe(draw(new FaultInjector(settings), 500)))
                .isEqualTo(describe(draw(new FaultInjector(settings), 500)))
                .contains(" OK\n", " UNAVAILABLE\n"); // both outcomes occur
    }

    @Test
    void errorRateIsHonouredWithTheChosenCode() throws Exception {
        FaultInjector injector = new FaultInjector(FaultSettings.parse("", "0.3", "RESOURCE_EXHAUSTED", "0", "99"));
        List<Fault> faults = draw(injector, 10_000);
        long failed = faults.stream().filter(f -> f.error().isPresent()).count();
        // Binomial(10000, 0.3) has a standard deviation of 46: +-300 is over 6 sigma.
        assertThat(failed).isBetween(2_700L, 3_300L);
        assertThat(faults).filteredOn(f -> f.error().isPresent())
                .allSatisfy(f -> assertThat(f.error().get().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED));
        assertThat(faults).allSatisfy(f -> assertThat(f.delayNanos()).isZero());
    }

    @Test
    void rateOneFailsEveryCallAndFixedLatencyDelaysEveryCall() throws Exception {
        FaultInjector injector = new FaultInjector(FaultSettings.parse("40", "1", "UNAVAILABLE", "0", ""));
        assertThat(draw(injector, 100)).allSatisfy(f -> {
            assertThat(f.delayNanos()).isEqualTo(40_000_000L);
            assertThat(f.error()).isPresent();
        });
    }

    @Test
    void latencyPercentilesShowInTheDraws() throws Exception {
        FaultInjector injector = new FaultInjector(FaultSettings.parse("p50=20,p99=200", "0", "UNAVAILABLE", "0", "5"));
        List<Long> delays = draw(injector, 20_000).stream().map(Fault::delayNanos).sorted().toList();
        assertThat(delays.get(delays.size() / 2) / 1e6).isBetween(18.0, 22.0);
        assertThat(delays.get(delays.size() * 99 / 100) / 1e6).isBetween(180.0, 200.0);
        assertThat(delays.get(delays.size() - 1) / 1e6).isLessThanOrEqualTo(200.0);
    }

    @Test
    void wrongRateIsTheShareOfAnsweredCallsGivenAnotherSpecies() throws Exception {
        FaultInjector injector = new FaultInjector(FaultSettings.parse("", "0.2", "UNAVAILABLE", "0.3", "7"));
        int n = 50_000;
        List<Fault> faults = draw(injector, n);
        assertThat(faults).noneMatch(f -> f.error().isPresent() && f.wrongAnswer().isPresent());
        long failed = faults.stream().filter(f -> f.error().isPresent()).count();
        long answered = n - failed;
        long wrong = faults.stream().filter(f -> f.wrongAnswer().isPresent()).count();
        // Given the answered count (about 40000), the wrong ones are Binomial(answered, 0.3): standard deviation
        // about 92, and 6 of them (550) are 1.4 % of the answered calls. A wrong share of all calls instead of the
        // answered ones (0.24) or a rate 2 points off (800 away) falls outside.
        assertThat((double) wrong).isCloseTo(0.3 * answered, within(6 * Math.sqrt(answered * 0.3 * 0.7)));
        assertThat((double) failed).isCloseTo(0.2 * n, within(6 * Math.sqrt(n * 0.2 * 0.8)));
    }

    @Test
    void wrongRateZeroNeverAndOneAlways() throws Exception {
        FaultInjector never = new FaultInjector(FaultSettings.parse("", "0", "UNAVAILABLE", "0", "3"));
        assertThat(never.enabled()).isFalse();
        assertThat(draw(never, 1_000)).allMatch(f -> f.wrongAnswer().isEmpty());
        FaultInjector always = new FaultInjector(FaultSettings.parse("", "0", "UNAVAILABLE", "1", "3"));
        assertThat(always.enabled()).isTrue();
        assertThat(draw(always, 1_000)).allMatch(f -> f.wrongAnswer().isPresent() && f.error().isEmpty());
        // Failed calls get no answer, so no wrong one either.
        FaultInjector failing = new FaultInjector(FaultSettings.parse("", "1", "UNAVAILABLE", "1", "3"));
        assertThat(draw(failing, 1_000)).allMatch(f -> f.error().isPresent() && f.wrongAnswer().isEmpty());
    }

    @Test
    void wrongSpeciesIsNeverTheModelsAndEachOtherComesUpAboutHalfTheTime() throws Exception {
        FaultInjector injector = new FaultInjector(FaultSettings.parse("", "0", "UNAVAILABLE", "1", "11"));
        Map<String, Double> probabilities = Map.of("setosa", 0.1, "versicolor", 0.6, "virginica", 0.3);
        Classification model = new Classification("versicolor", 0.6, probabilities);
        int n = 10_000;
        long setosa = 0;
        for (Fault f : draw(injector, n)) {
            Classification given = f.wrongAnswer().orElseThrow().applyTo(model);
            assertThat(given.species()).isIn("setosa", "virginica");
            assertThat(given.confidence()).isEqualTo(probabilities.get(given.species()));
            setosa += given.species().equals("setosa") ? 1 : 0;
        }
        // Binomial(10000, 0.5): standard deviation 50; 6 sigma = 300.
        assertThat(setosa).isBetween(n / 2 - 300L, n / 2 + 300L);
    }

    @Test
    void sameSeedGivesTheSameWrongAnswers() throws Exception {
        FaultSettings settings = FaultSettings.parse("", "0.1", "UNAVAILABLE", "0.5", "21");
        assertThat(draw(new FaultInjector(settings), 500).stream().map(Fault::wrongAnswer).toList())
                .isEqualTo(draw(new FaultInjector(settings), 500).stream().map(Fault::wrongAnswer).toList());
    }

    /** Status has no equals: compare the delay and the code of each fault. */
    private static String describe(List<Fault> faults) {
        StringBuilder out = new StringBuilder();
        for (Fault f : faults) {
            out.append(f.delayNanos()).append(' ')
                    .append(f.error().map(e -> e.getCode().name()).orElse("OK")).append('\n');
        }
        return out.toString();
    }

    private static List<Fault> draw(FaultInjector injector, int n) {
        List<Fault> faults = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            faults.add(injector.next());
        }
        return faults;
    }
}
