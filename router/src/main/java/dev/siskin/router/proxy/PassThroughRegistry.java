package dev.siskin.router.proxy;

import static java.util.Objects.requireNonNull;

import io.grpc.HandlerRegistry;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;

/**
 * The router's fallback handler registry: every method name the server has no service for -- that is, every
 * method -- is accepted and handed to one handler that forwards it as raw bytes.
 *
 * <p>The descriptor is built per lookup rather than cached: method names come from clients, and a cache keyed
 * by them would grow without bound under a client that invents names. Its type is
 * {@link MethodDescriptor.MethodType#UNKNOWN} because the router cannot know whether a method streams; the
 * forwarding treats every call as bidirectional streaming, which covers all four kinds.
 *
 * <p>Thread-safe (immutable).
 */
public final class PassThroughRegistry extends HandlerRegistry {
  private final ServerCallHandler<byte[], byte[]> handler;

  public PassThroughRegistry(ServerCallHandler<byte[], byte[]> handler) {
    this.handler = requireNonNull(handler, "handler");
  }

  @Override
  public ServerMethodDefinition<?, ?> lookupMethod(String fullMethodName, String authority) {
    return ServerMethodDefinition.create(descriptor(fullMethodName), handler);
  }

  /** The pass-through descriptor for one method; the client side of the router uses the same. */
  static MethodDescriptor<byte[], byte[]> descriptor(String fullMethodName) {
    return MethodDescriptor.newBuilder(RawMarshaller.INSTANCE, RawMarshaller.INSTANCE)
        .setFullMethodName(fullMethodName)
        .setType(MethodDescriptor.MethodType.UNKNOWN)
        .build();
  }
}
