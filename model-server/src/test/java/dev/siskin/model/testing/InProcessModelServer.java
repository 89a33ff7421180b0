package dev.siskin.model.testing;

import dev.siskin.model.fault.FaultInjector;
import dev.siskin.model.load.LoadedModel;
import dev.siskin.model.load.ModelLoader;
import dev.siskin.model.metrics.ModelMetrics;
import dev.siskin.model.server.ModelGrpcServer;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A model server on the in-process transport with a channel to it; closing stops both (like GrpcCleanupRule). */
public final class InProcessModelServer implements AutoCloseable {
    public final LoadedModel model;
    public final ModelMetrics metrics;
    public final ModelGrpcServer server;
    public final ManagedChannel channel;
    /**
     * The full method name of every call as it reaches the server's services (after the transport accepted it):
     * a test that must act while a call is on the server takes it from here instead of sleeping.
     */
    public final BlockingQueue<String> callsArrived = new LinkedBlockingQueue<>();

    public InProcessModelServer(String version, FaultInjector faults) throws Exception {
        model = ModelLoader.load(Repo.model(version), Optional.of(version));
        metrics = new ModelMetrics(model.version(), model.sha256());
        String name = InProcessServerBuilder.generateName();
        var builder = InProcessServerBuilder.forName(name);
        builder.intercept(new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                    ServerCallHandler<Q, R> next) {
                callsArrived.add(call.getMethodDescriptor().getFullMethodName());
                return next.startCall(call, headers);
            }
        });
        server = ModelGrpcServer.start(builder, model, faults, metrics);
        channel = InProcessChannelBuilder.forName(name).build();
    }

    @Override
    public void close() throws Exception {
        channel.shutdownNow();
        channel.awaitTermination(10, TimeUnit.SECONDS);
        server.shutdownNow();
    }
}
