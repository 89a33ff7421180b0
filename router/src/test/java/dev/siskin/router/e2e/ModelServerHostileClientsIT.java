package dev.siskin.router.e2e;

import dev.siskin.router.testing.JarProcess;

/**
 * Every case of {@link HostileClientsIT} against the model server jar (v1) itself, with the well-behaved client
 * calling it directly: the model server sits behind the router, but a router is not the only thing that can
 * reach it.
 */
class ModelServerHostileClientsIT extends HostileClientsIT {
  @Override
  int victimPort() {
    return cluster.v1.port();
  }

  @Override
  JarProcess victim() {
    return cluster.v1.process();
  }

  /** The model server's heap is the JVM's default (a quarter of the machine's memory): a looser, fixed bound. */
  @Override
  long rssCeilingBytes() {
    return 1536L << 20;
  }
}
