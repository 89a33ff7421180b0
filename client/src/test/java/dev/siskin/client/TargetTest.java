package dev.siskin.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

class TargetTest {
  @Test
  void acceptsHostPortIpv6AndUris() {
    assertThat(Target.parse("127.0.0.1:50051").value()).isEqualTo("127.0.0.1:50051");
    assertThat(Target.parse("router:50051").value()).isEqualTo("router:50051");
    assertThat(Target.parse("[::1]:50051").value()).isEqualTo("[::1]:50051");
    assertThat(Target.parse("dns:///model-v2:50051").value()).isEqualTo("dns:///model-v2:50051");
  }

  @Test
  void rejectsWhatCannotBeATarget() {
    assertThatThrownBy(() -> Target.parse("localhost")).hasMessageStartingWith("'localhost': expected HOST:PORT");
    assertThatThrownBy(() -> Target.parse("h:70000")).hasMessage("'h:70000': port 70000 is out of range 1..65535");
    assertThatThrownBy(() -> Target.parseHostPort("http://h:1"))
        .hasMessage("'http://h:1': expected HOST:PORT such as 127.0.0.1:9901");
  }

  @Test
  void durationsInMillisecondsSecondsAndMinutes() {
    Converters.DurationConverter c = new Converters.DurationConverter();
    assertThat(c.convert("250ms")).isEqualTo(Duration.ofMillis(250));
    assertThat(c.convert("1.5s")).isEqualTo(Duration.ofMillis(1500));
    assertThat(c.convert("2m")).isEqualTo(Duration.ofMinutes(2));
    assertThatThrownBy(() -> c.convert("5")).isInstanceOf(TypeConversionException.class)
        .hasMessage("'5': expected a duration such as 500ms, 5s or 1m");
    assertThatThrownBy(() -> c.convert("0s")).hasMessage("'0s': expected a duration of at least 1ms");
  }
}
