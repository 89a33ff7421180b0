package dev.siskin.router.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.siskin.router.config.FailureSettings;
import dev.siskin.router.observe.EndpointSnapshot;
import dev.siskin.router.testing.TestBackend;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.testing.protobuf.SimpleRequest;
import io.grpc.testing.protobuf.SimpleResponse;
import io.grpc.testing.protobuf.SimpleServiceGrpc;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A backend's real channel ({@link BackendChannels}: round_robin, per-address health
 * checks, the refreshing resolver) over three real servers on 127.0.0.2-4 sharing one port, behind a DNS name
 * whose answer the test sets. Shows on grpc-java as shipped that the channel hands the health-check config to
 * the balancer (a NOT_SERVING address gets no calls), that a removed address's running calls finish, and that
 * the per-address counters of /clusters add up.
 */
class PerAddressHealthTest {
  private static final Duration REFRESH = Duration.ofSeconds(1);
  private static final Duration WAIT = Duration.ofSeconds(10);

  private final List<TestBackend> servers = new ArrayList<>();
  private final AtomicReference<List<String>> answer = new AtomicReference<>(List.of());
  private final ResolvedAddressBook book = new ResolvedAddressBook();
  private TestBackend a;
  private TestBackend b;
  private TestBackend c;
  private int port;
  private ManagedChannel channel;

  @BeforeEach
  void startServers() throws Exception {
    IOException last = null;
    for (int attempt = 0; attempt < 5 && a == null; attempt++) {
      try {
        TestBackend first = TestBackend.withHealthAt("a", new InetSocketAddress("127.0.0.2", 0), ServingStatus.SERVING);
        servers.add(first);
        int p = first.port();
        servers.add(TestBackend.withHealthAt("b", new InetSocketAddress("127.0.0.3", p), ServingStatus.SERVING));
        servers.add(TestBackend.withHealthAt("c", new InetSocketAddress("127.0.0.4", p), ServingStatus.SERVING));
        a = servers.get(0);
        b = servers.get(1);
        c = servers.get(2);
        port = p;
      } catch (IOException e) { // that port was taken on 127.0.0.3 or .4: try another
        last = e;
        closeServers();
      }
    }
    if (a == null) {
      throw last;
    }
  }

  @AfterEach
  void close() throws Exception {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    closeServers();
  }

  private void closeServers() throws InterruptedException {
    for (TestBackend server : servers) {
      server.close();
    }
    servers.clear();
  }

  private void open(String... ips) {
    answer.set(List.of(ips));
    FailureSettings.Limits d = FailureSettings.defaults().limits();
    FailureSettings.Limits limits = new FailureSettings.Limits(d.defaultDeadline(), d.connectTimeout(),
        d.keepaliveTime(), d.keepaliveTimeout(), d.maxInFlightPerBackend(), d.drainGrace(), d.drainTimeout(),
        REFRESH);
    DnsLookup lookup = host -> {
      List<InetAddress> out = new ArrayList<>();
      for (String ip : answer.get()) {
        out.add(InetAddress.getByName(ip));
      }
      return out;
    };
    channel = BackendChannels.open("dns:///backends.siskin.test:" + port, book, limits, "", lookup);
  }

  private SimpleResponse call(String message) {
    return SimpleServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
        .unaryRpc(SimpleRequest.newBuilder().setRequestMessage(message).build());
  }

  private void calls(int n) {
    for (int i = 0; i < n; i++) {
      assertThat(call("hi").getResponseMessage()).isEqualTo("hi");
    }
  }

  private Map<String, EndpointSnapshot> endpoints() {
    return book.endpoints().stream().collect(Collectors.toMap(EndpointSnapshot::address, Function.identity()));
  }

  private String at(String ip) {
    return ip + ":" + port;
  }

  @Test
  void aNewAddressGetsCallsOnlyOnceItsHealthServiceSaysServing() {
    c.setHealth(ServingStatus.NOT_SERVING);
    open("127.0.0.2", "127.0.0.3");
    calls(20);
    assertThat(a.unaryHandled.get()).isPositive();
    assertThat(b.unaryHandled.get()).isPositive();

    answer.set(List.of("127.0.0.2", "127.0.0.3", "127.0.0.4"));
    // Connected, health answered NOT_SERVING in every child: out of the rotation.
    await().atMost(WAIT).until(() -> endpoints().containsKey(at("127.0.0.4"))
        && endpoints().get(at("127.0.0.4")).state().equals("TRANSIENT_FAILURE"));
    assertThat(book.addresses()).containsExactly(at("127.0.0.2"), at("127.0.0.3"), at("127.0.0.4"));
    calls(40);
    assertThat(c.unaryHandled.get()).isZero();
    assertThat(endpoints().get(at("127.0.0.4")).healthy()).isFalse();

    c.setHealth(ServingStatus.SERVING);
    await().atMost(WAIT).until(() -> endpoints().get(at("127.0.0.4")).healthy());
    calls(40);
    assertThat(c.unaryHandled.get()).isPositive();
  }

  @Test
  void anAddressThatTurnsNotServingGetsNoMoreCalls() {
    open("127.0.0.2", "127.0.0.3", "127.0.0.4");
    calls(30);
    assertThat(List.of(a, b, c)).allSatisfy(s -> assertThat(s.unaryHandled.get()).isPositive());

    a.setHealth(ServingStatus.NOT_SERVING);
    await().atMost(WAIT).until(() -> endpoints().get(at("127.0.0.2")).state().equals("TRANSIENT_FAILURE"));
    int before = a.unaryHandled.get();
    calls(30);
    assertThat(a.unaryHandled.get()).isEqualTo(before);
    assertThat(b.unaryHandled.get() + c.unaryHandled.get()).isGreaterThanOrEqualTo(30);
  }

  @Test
  void aRemovedAddressFinishesItsRunningCallsThenDisappears() {
    open("127.0.0.2", "127.0.0.3");
    calls(4); // connected
    await().atMost(WAIT).until(() -> book.addresses().size() == 2);
    // The frame core counts the calls it sends to an address on the book's counters.
    EndpointCalls onA = book.calls(at("127.0.0.2"));
    EndpointCalls onB = book.calls(at("127.0.0.3"));
    for (int i = 0; i < 6; i++) {
      onA.started();
    }
    for (int i = 0; i < 3; i++) {
      onB.started();
      onB.finished(true);
    }

    answer.set(List.of("127.0.0.3"));
    await().atMost(WAIT).until(() -> endpoints().get(at("127.0.0.2")).removed());
    EndpointSnapshot draining = endpoints().get(at("127.0.0.2"));
    assertThat(draining.state()).isEqualTo("DRAINING");
    assertThat(draining.inFlight()).isEqualTo(6);
    assertThat(book.addresses()).as("no new calls go to it").containsExactly(at("127.0.0.3"));

    for (int i = 0; i < 5; i++) {
      onA.finished(true);
    }
    assertThat(endpoints()).as("shown while a call still runs there").containsKey(at("127.0.0.2"));
    onA.finished(false);
    await().atMost(WAIT).until(() -> !endpoints().containsKey(at("127.0.0.2")));
    // The address that stayed kept its counts through the change.
    assertThat(endpoints().get(at("127.0.0.3")).calls()).isEqualTo(3);
    assertThat(endpoints().get(at("127.0.0.3")).inFlight()).isZero();
  }
}
