package dev.siskin.client;

import dev.siskin.client.dist.ExpectedShares;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * picocli converters. Each throws {@link TypeConversionException}, which picocli reports as a usage error
 * (exit 2) naming the option and our message.
 */
final class Converters {
  private Converters() {}

  /** {@code HOST:PORT} or a gRPC target URI. */
  static final class TargetConverter implements ITypeConverter<Target> {
    @Override
    public Target convert(String value) {
      try {
        return Target.parse(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  /** A plain {@code HOST:PORT}. */
  static final class HostPortConverter implements ITypeConverter<Target> {
    @Override
    public Target convert(String value) {
      try {
        return Target.parseHostPort(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  /** {@code 500ms}, {@code 5s}, {@code 2m}; a positive duration. */
  static final class DurationConverter implements ITypeConverter<Duration> {
    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m)");

    @Override
    public Duration convert(String value) {
      Matcher m = DURATION.matcher(value.trim());
      if (!m.matches()) {
        throw new TypeConversionException("'" + value + "': expected a duration such as 500ms, 5s or 1m");
      }
      double amount = Double.parseDouble(m.group(1));
      long millis = Math.round(amount * switch (m.group(2)) {
        case "ms" -> 1;
        case "s" -> 1_000;
        default -> 60_000;
      });
      if (millis < 1) {
        throw new TypeConversionException("'" + value + "': expected a duration of at least 1ms");
      }
      return Duration.ofMillis(millis);
    }
  }

  /** {@code v1=90,v2=10}. */
  static final class ExpectConverter implements ITypeConverter<ExpectedShares> {
    @Override
    public ExpectedShares convert(String value) {
      try {
        return ExpectedShares.parse(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }
}
