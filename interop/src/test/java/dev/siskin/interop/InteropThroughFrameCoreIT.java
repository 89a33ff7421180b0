package dev.siskin.interop;

/**
 * The same interop suite through the router on its frame-level core ({@code router.forwarding = "frames"}, issue
 * 15): every case must pass there too before that core can become the default.
 */
class InteropThroughFrameCoreIT extends InteropThroughRouterIT {
  @Override
  String extraConfig() {
    return "router { forwarding = \"frames\" }";
  }
}
