package dev.siskin.model.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.siskin.model.testing.IrisRows;
import dev.siskin.model.testing.IrisRows.Row;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class StratifiedSplitTest {
    private final List<Row> rows = IrisRows.all();

    @Test
    void keepsEightyPercentOfEverySpeciesForTraining() {
        StratifiedSplit.Parts<Row> parts = StratifiedSplit.split(rows, Row::species, 0.8, 42);
        assertThat(countBySpecies(parts.train())).isEqualTo(Map.of("setosa", 40L, "versicolor", 40L, "virginica", 40L));
        assertThat(countBySpecies(parts.test())).isEqualTo(Map.of("setosa", 10L, "versicolor", 10L, "virginica", 10L));
    }

    @Test
    void partsAreDisjointAndCoverAllRowsInFileOrder() {
        StratifiedSplit.Parts<Row> parts = StratifiedSplit.split(rows, Row::species, 0.8, 42);
        List<Row> union = new ArrayList<>(parts.train());
        union.addAll(parts.test());
        assertThat(union).containsExactlyInAnyOrderElementsOf(rows);
        // Iris has duplicate rows: index by identity, not equality.
        Map<Row, Integer> index = new IdentityHashMap<>();
        for (int i = 0; i < rows.size(); i++) {
            index.put(rows.get(i), i);
        }
        assertThat(parts.train()).isSortedAccordingTo((a, b) -> Integer.compare(index.get(a), index.get(b)));
        assertThat(parts.test()).isSortedAccordingTo((a, b) -> Integer.compare(index.get(a), index.get(b)));
    }

    @Test
    void sameSeedSameSplitOtherSeedOtherSplit() {
        assertThat(StratifiedSplit.split(rows, Row::species, 0.8, 42))
                .isEqualTo(StratifiedSplit.split(rows, Row::species, 0.8, 42));
        assertThat(StratifiedSplit.split(rows, Row::species, 0.8, 43).test())
                .isNotEqualTo(StratifiedSplit.split(rows, Row::species, 0.8, 42).test());
    }

    @Test
    void rejectsFractionsOutsideZeroToOne() {
        assertThatThrownBy(() -> StratifiedSplit.split(rows, Row::species, 1.0, 42))
                .hasMessage("trainFraction: 1.0 (expected: > 0 and < 1)");
    }

    private static Map<String, Long> countBySpecies(List<Row> part) {
        return part.stream().collect(Collectors.groupingBy(Row::species, Collectors.counting()));
    }
}
