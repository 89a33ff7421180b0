package dev.siskin.router.h2;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What the frame-level tests of the core share: a {@link FrameHarness} made by each test (its options vary), closed
 * after it, and Netty's leak detector watched ({@link LeakCheck}).
 */
@ExtendWith(LeakCheck.class)
abstract class FrameLevelTest {
  FrameHarness h;

  @AfterEach
  void closeHarness() {
    if (h != null) {
      h.close();
    }
  }
}
