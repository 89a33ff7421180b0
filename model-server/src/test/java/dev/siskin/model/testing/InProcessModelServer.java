package dev.siskin.model.testing;

import dev.siskin.model.fault.FaultInjector;
import dev.siskin.model.load.LoadedModel;
import dev.siskin.model.load.ModelLoader;
import dev.siskin.model.metrics.ModelMetrics;
import dev.siskin.model.server.ModelGrpcServer;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** A model server on the in-process transport with a channel to it; closing stops both (like GrpcCleanupRule). */
public final class InProcessModelServer implements AutoCloseable {
    public final LoadedModel model;
    public final ModelMetrics metrics;
    public final ModelGrpcServer server;
    public final ManagedChannel channel;

    public InProcessModelServer(String version, FaultInjector faults) throws Exception {
        model = ModelLoader.load(Repo.model(version), Optional.of(version));
        metrics = new ModelMetrics(model.version(), model.sha256());
        String name = InProcessServerBuilder.generateName();
        server = ModelGrpcServer.start(InProcessServerBuilder.forName(name), model, faults, metrics);
        channel = InProcessChannelBuilder.forName(name).build();
    }

    @Override
    public void close() throws Exception {
        channel.shutdownNow();
        channel.awaitTermination(10, TimeUnit.SECONDS);
        server.shutdownNow();
    }
}
