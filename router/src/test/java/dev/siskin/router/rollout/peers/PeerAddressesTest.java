package dev.siskin.router.rollout.peers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PeerAddressesTest {
  private final Map<String, List<String>> names = Map.of(
      "routers.test", List.of("10.0.0.12", "10.0.0.3", "10.0.0.200"),
      "a.test", List.of("10.0.0.9"));

  private final PeerAddresses.Lookup lookup = host -> {
    List<String> ips = names.get(host);
    if (ips == null) {
      if (Character.isDigit(host.charAt(0)) || host.contains(":")) {
        return new InetAddress[] {InetAddress.getByName(host)};
      }
      throw new UnknownHostException(host + ": no such name");
    }
    InetAddress[] out = new InetAddress[ips.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = InetAddress.getByName(ips.get(i));
    }
    return out;
  };

  private static List<String> formatted(List<InetSocketAddress> addresses) {
    return addresses.stream().map(PeerAddresses::format).toList();
  }

  @Test
  void everyRouterSortsTheSameAnswerByAddressNotByText() throws Exception {
    assertThat(formatted(PeerAddresses.resolve(List.of("dns:///routers.test:9901"), lookup)))
        .containsExactly("10.0.0.3:9901", "10.0.0.12:9901", "10.0.0.200:9901");
  }

  @Test
  void entriesAreResolvedAndOrderedByAddressThenPort() throws Exception {
    assertThat(formatted(PeerAddresses.resolve(List.of("127.0.0.1:9912", "a.test:9901", "127.0.0.1:9911",
        "[::1]:9901"), lookup))).containsExactly("10.0.0.9:9901", "127.0.0.1:9911", "127.0.0.1:9912", "[0:0:0:0:0:0:0:1]:9901");
  }

  @Test
  void aNameThatDoesNotResolveIsNamedInTheError() {
    assertThatThrownBy(() -> PeerAddresses.resolve(List.of("dns:///gone.test:9901"), lookup))
        .isInstanceOf(UnknownHostException.class).hasMessageContaining("dns:///gone.test:9901");
  }
}
