package dev.siskin.router.proxy;

import dev.siskin.router.config.Forwarding;
import dev.siskin.router.h2.LeakCheck;
import org.junit.jupiter.api.extension.ExtendWith;

/** Every case of {@link ShadowTrafficTest} on the frame core ({@code router.forwarding = frames}). */
@ExtendWith(LeakCheck.class)
class ShadowTrafficOnFramesTest extends ShadowTrafficTest {
  @Override
  Forwarding forwarding() {
    return Forwarding.FRAMES;
  }
}
