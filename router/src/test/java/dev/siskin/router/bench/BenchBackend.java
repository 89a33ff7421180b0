package dev.siskin.router.bench;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.grpc.testing.protobuf.SimpleRequest;
import io.grpc.testing.protobuf.SimpleResponse;
import io.grpc.testing.protobuf.SimpleServiceGrpc;
import java.net.InetSocketAddress;

/** The benchmark's backend process: a trivial unary echo on an ephemeral loopback port; prints "PORT n". */
public final class BenchBackend {
  private BenchBackend() {}

  public static void main(String[] args) throws Exception {
    Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .maxInboundMessageSize(16 << 20)
        .directExecutor()
        .addService(new SimpleServiceGrpc.SimpleServiceImplBase() {
          @Override
          public void unaryRpc(SimpleRequest request, StreamObserver<SimpleResponse> out) {
            out.onNext(SimpleResponse.newBuilder().setResponseMessage(request.getRequestMessage()).build());
            out.onCompleted();
          }
        })
        .build()
        .start();
    System.out.println("PORT " + server.getPort());
    System.out.flush();
    // Stops when the benchmark closes our stdin (or dies).
    while (System.in.read() != -1) {
      // wait
    }
    server.shutdownNow();
  }
}
