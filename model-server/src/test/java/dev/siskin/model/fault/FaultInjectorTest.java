package dev.siskin.model.fault;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FaultInjectorTest {

    @Test
    void disabledByDefaultDrawsNothing() throws Exception {
        FaultInjector off = new FaultInjector(FaultSettings.parse("", "0", "UNAVAILABLE", ""));
        assertThat(off.enabled()).isFalse();
        for (int i = 0; i < 100; i++) {
            assertThat(off.next()).isEqualTo(Fault.NONE);
        }
    }

    @Test
    void sameSeedGivesTheSameSequence() throws Exception {
        FaultSettings settings = FaultSettings.parse("p50=10,p99=100", "0.3", "UNAVAILABLE", "1234");
        assertThat(describe(draw(new FaultInjector(settings), 500)))
                .isEqualTo(describe(draw(new FaultInjector(settings), 500)))
                .contains(" OK\n", " UNAVAILABLE\n"); // both outcomes occur
    }

    @Test
    void errorRateIsHonouredWithTheChosenCode() throws Exception {
        FaultInjector injector = new FaultInjector(FaultSettings.parse("", "0.3", "RESOURCE_EXHAUSTED", "99"));
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
        FaultInjector injector = new FaultInjector(FaultSettings.parse("40", "1", "UNAVAILABLE", ""));
        assertThat(draw(injector, 100)).allSatisfy(f -> {
            assertThat(f.delayNanos()).isEqualTo(40_000_000L);
            assertThat(f.error()).isPresent();
        });
    }

    @Test
    void latencyPercentilesShowInTheDraws() throws Exception {
        FaultInjector injector = new FaultInjector(FaultSettings.parse("p50=20,p99=200", "0", "UNAVAILABLE", "5"));
        List<Long> delays = draw(injector, 20_000).stream().map(Fault::delayNanos).sorted().toList();
        assertThat(delays.get(delays.size() / 2) / 1e6).isBetween(18.0, 22.0);
        assertThat(delays.get(delays.size() * 99 / 100) / 1e6).isBetween(180.0, 200.0);
        assertThat(delays.get(delays.size() - 1) / 1e6).isLessThanOrEqualTo(200.0);
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
