package dev.siskin.interop;

/**
 * The same interop suite through the router on its earlier core ({@code router.forwarding = "grpc"}), which stays
 * selectable until it is removed: every case must keep passing there too. ({@link InteropThroughRouterIT} runs
 * the default, the frame core.)
 */
class InteropThroughGrpcCoreIT extends InteropThroughRouterIT {
  @Override
  String extraConfig() {
    return "router { forwarding = \"grpc\" }";
  }
}
