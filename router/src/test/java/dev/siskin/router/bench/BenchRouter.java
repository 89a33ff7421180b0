package dev.siskin.router.bench;

import dev.siskin.router.RouterServer;
import dev.siskin.router.cluster.BackendChannels;
import dev.siskin.router.config.BackendSpec;
import dev.siskin.router.route.PickerFactory;
import dev.siskin.router.route.Policy;
import dev.siskin.router.route.WeightedPicker;
import dev.siskin.router.testing.Configs;
import dev.siskin.router.testing.CyclingPicker;
import java.time.Duration;
import java.util.List;

/**
 * The benchmark's router process: the production {@link RouterServer} (same forwarding path as router.jar)
 * with one backend, built without the config file so it runs whatever state the parser is in. Prints
 * "PORT n" and which picker it uses.
 */
public final class BenchRouter {
  private BenchRouter() {}

  public static void main(String[] args) throws Exception {
    String target = args[0];
    PickerFactory pickers = WeightedPicker::create;
    String pickerName = "WeightedPicker.create";
    try {
      WeightedPicker.create(Policy.SMOOTH_WEIGHTED_ROUND_ROBIN, List.of("x"), new int[] {1});
    } catch (UnsupportedOperationException notYetMerged) {
      pickers = CyclingPicker::create;
      pickerName = "test CyclingPicker (production picker not merged yet)";
    }
    RouterServer router = RouterServer.create(Configs.of(new BackendSpec("v1", target, 1)), pickers,
        BackendChannels::open, Duration.ofSeconds(5)).start();
    System.out.println("PORT " + router.port());
    System.out.println("PICKER " + pickerName);
    System.out.flush();
    while (System.in.read() != -1) {
      // wait
    }
    router.shutdown(Duration.ofSeconds(1));
  }
}
