package dev.siskin.router.bench;

import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.grpc.testing.protobuf.SimpleRequest;
import io.grpc.testing.protobuf.SimpleResponse;
import io.grpc.testing.protobuf.SimpleServiceGrpc;
import java.net.InetSocketAddress;

/**
 * The streaming benchmark's backend: {@code grpc.testing.SimpleService/ServerStreamingRpc} answers a request
 * whose {@code request_message} is {@code "COUNTxSIZE"} (e.g. {@code "10000x16"}) with COUNT responses of
 * SIZE bytes each, sent as fast as the caller's flow control allows (never buffering past {@code isReady}).
 *
 * <p>Usage: {@code StreamingBackend PORT} (0 for any); prints {@code PORT n} once listening, stops on SIGTERM.
 */
public final class StreamingBackend {
  private StreamingBackend() {}

  public static void main(String[] args) throws Exception {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 0;
    Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
        .directExecutor()
        .addService(new Service())
        .build()
        .start();
    Runtime.getRuntime().addShutdownHook(new Thread(server::shutdownNow));
    System.out.println("PORT " + server.getPort());
    System.out.flush();
    server.awaitTermination();
  }

  private static final class Service extends SimpleServiceGrpc.SimpleServiceImplBase {
    @Override
    public void serverStreamingRpc(SimpleRequest request, StreamObserver<SimpleResponse> observer) {
      String[] shape = request.getRequestMessage().split("x");
      int count;
      int size;
      try {
        count = Integer.parseInt(shape[0]);
        size = Integer.parseInt(shape[1]);
      } catch (RuntimeException e) {
        observer.onError(Status.INVALID_ARGUMENT
            .withDescription("request_message must be COUNTxSIZE, e.g. 10000x16; got '"
                + request.getRequestMessage() + "'")
            .asRuntimeException());
        return;
      }
      SimpleResponse response = SimpleResponse.newBuilder()
          .setResponseMessage("x".repeat(size))
          .build();
      new Sender((ServerCallStreamObserver<SimpleResponse>) observer, response, count).start();
    }
  }

  /**
   * Sends while the call is ready and resumes from onReady. Confined to the call's serialized callbacks
   * (direct executor: the transport thread), so plain fields suffice.
   */
  private static final class Sender implements Runnable {
    private final ServerCallStreamObserver<SimpleResponse> out;
    private final SimpleResponse response;
    private final int count;
    private int sent;
    private boolean done;

    Sender(ServerCallStreamObserver<SimpleResponse> out, SimpleResponse response, int count) {
      this.out = out;
      this.response = response;
      this.count = count;
    }

    void start() {
      out.setOnCancelHandler(() -> done = true);
      out.setOnReadyHandler(this);
      run();
    }

    @Override
    public void run() {
      while (!done && sent < count && out.isReady()) {
        out.onNext(response);
        sent++;
      }
      if (!done && sent == count) {
        done = true;
        out.onCompleted();
      }
    }
  }
}
