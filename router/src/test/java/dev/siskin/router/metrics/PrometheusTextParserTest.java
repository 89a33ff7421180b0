package dev.siskin.router.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The strict parser must reject what Prometheus rejects, or the /metrics tests would prove nothing. */
class PrometheusTextParserTest {

  @Test
  void parsesFamiliesLabelsAndEscapes() {
    Map<String, PrometheusTextParser.Family> f = PrometheusTextParser.parse("""
        # HELP x_total Calls\\nmore
        # TYPE x_total counter
        x_total{a="1",b="q\\"\\\\\\n"} 3.0
        x_total{a="2"} 1e3 1700000000000
        # TYPE h histogram
        h_bucket{le="0.5"} 1
        h_bucket{le="+Inf"} 2
        h_count 2
        h_sum 0.7
        """);
    assertThat(f.get("x_total").type()).isEqualTo("counter");
    assertThat(f.get("x_total").help()).isEqualTo("Calls\nmore");
    assertThat(f.get("x_total").samples().get(0).labels()).containsEntry("b", "q\"\\\n");
    assertThat(f.get("x_total").samples().get(1).value()).isEqualTo(1000.0);
    assertThat(f.get("h").samples()).hasSize(4);
  }

  @Test
  void rejectsMalformedInput() {
    assertRejected("x 1", "newline");
    assertRejected("x{a=\"1\"} abc\n", "bad number");
    assertRejected("x{a=1} 1\n", "not quoted");
    assertRejected("x{a=\"1\" 1\n", "expected ','");
    assertRejected("x{1a=\"1\"} 1\n", "bad label name");
    assertRejected("x{a=\"\\t\"} 1\n", "bad escape");
    assertRejected("x 1\nx 2\n", "duplicate series");
    assertRejected("x 1\ny 1\nx{a=\"b\"} 1\n", "not kept together");
    assertRejected("x 1\n# TYPE x counter\n", "after its samples");
    assertRejected("# TYPE x widget\n", "unknown type");
    assertRejected("# TYPE h histogram\nh_bucket 1\n", "without le");
    assertRejected("# TYPE h histogram\nh 1\n", "without _bucket");
    assertRejected("x 1 2 3\n", "too many fields");
  }

  private static void assertRejected(String text, String reason) {
    assertThatThrownBy(() -> PrometheusTextParser.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(reason);
  }
}
