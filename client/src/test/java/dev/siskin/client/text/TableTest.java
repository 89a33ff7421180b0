package dev.siskin.client.text;

import static dev.siskin.client.text.Table.Align.LEFT;
import static dev.siskin.client.text.Table.Align.RIGHT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TableTest {
  @Test
  void padsTextLeftAndNumbersRightWithoutTrailingSpaces() {
    String rendered = Table.of("backend", LEFT, "calls", RIGHT, "versions", LEFT)
        .row("v1", "1795", "v1.0.0=1795")
        .row("canary", "5", "")
        .render();
    assertThat(rendered).isEqualTo(
        "backend  calls  versions\n"
            + "v1        1795  v1.0.0=1795\n"
            + "canary       5\n");
  }

  @Test
  void headerOnlyWhenNoRows() {
    assertThat(Table.of("a", LEFT, "b", RIGHT).render()).isEqualTo("a  b\n");
  }

  @Test
  void rejectsRowOfWrongWidth() {
    Table t = Table.of("a", LEFT, "b", RIGHT);
    assertThatThrownBy(() -> t.row("only one")).hasMessage("row has 1 cells (expected: 2)");
  }
}
