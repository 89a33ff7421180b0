package dev.siskin.router.testing;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** Per test: one real backend "v1" and a router in front of it, both on ephemeral loopback ports. */
public abstract class OneBackendTestBase {
  protected TestBackend backend;
  protected RouterHarness harness;

  @BeforeEach
  void startBackendAndRouter() throws Exception {
    backend = new TestBackend("v1");
    harness = new RouterHarness(Configs.of(Configs.backend(backend, 1)));
  }

  @AfterEach
  void stopRouterAndBackend() throws Exception {
    harness.close();
    backend.close();
  }
}
