package dev.orchestrator.v1;

import static io.grpc.MethodDescriptor.generateFullMethodName;

/**
 * <pre>
 * Lists and decides pending approvals.
 * </pre>
 */
@javax.annotation.Generated(
    value = "by gRPC proto compiler",
    comments = "Source: orchestrator/v1/approval_service.proto")
@io.grpc.stub.annotations.GrpcGenerated
public final class ApprovalServiceGrpc {

  private ApprovalServiceGrpc() {}

  public static final String SERVICE_NAME = "orchestrator.v1.ApprovalService";

  // Static method descriptors that strictly reflect the proto.
  private static volatile io.grpc.MethodDescriptor<dev.orchestrator.v1.ListApprovalsRequest,
      dev.orchestrator.v1.ListApprovalsResponse> getListApprovalsMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ListApprovals",
      requestType = dev.orchestrator.v1.ListApprovalsRequest.class,
      responseType = dev.orchestrator.v1.ListApprovalsResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.orchestrator.v1.ListApprovalsRequest,
      dev.orchestrator.v1.ListApprovalsResponse> getListApprovalsMethod() {
    io.grpc.MethodDescriptor<dev.orchestrator.v1.ListApprovalsRequest, dev.orchestrator.v1.ListApprovalsResponse> getListApprovalsMethod;
    if ((getListApprovalsMethod = ApprovalServiceGrpc.getListApprovalsMethod) == null) {
      synchronized (ApprovalServiceGrpc.class) {
        if ((getListApprovalsMethod = ApprovalServiceGrpc.getListApprovalsMethod) == null) {
          ApprovalServiceGrpc.getListApprovalsMethod = getListApprovalsMethod =
              io.grpc.MethodDescriptor.<dev.orchestrator.v1.ListApprovalsRequest, dev.orchestrator.v1.ListApprovalsResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ListApprovals"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.orchestrator.v1.ListApprovalsRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.orchestrator.v1.ListApprovalsResponse.getDefaultInstance()))
              .setSchemaDescriptor(new ApprovalServiceMethodDescriptorSupplier("ListApprovals"))
              .build();
        }
      }
    }
    return getListApprovalsMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.orchestrator.v1.DecideRequest,
      dev.orchestrator.v1.DecideResponse> getDecideMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "Decide",
      requestType = dev.orchestrator.v1.DecideRequest.class,
      responseType = dev.orchestrator.v1.DecideResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.orchestrator.v1.DecideRequest,
      dev.orchestrator.v1.DecideResponse> getDecideMethod() {
    io.grpc.MethodDescriptor<dev.orchestrator.v1.DecideRequest, dev.orchestrator.v1.DecideResponse> getDecideMethod;
    if ((getDecideMethod = ApprovalServiceGrpc.getDecideMethod) == null) {
      synchronized (ApprovalServiceGrpc.class) {
        if ((getDecideMethod = ApprovalServiceGrpc.getDecideMethod) == null) {
          ApprovalServiceGrpc.getDecideMethod = getDecideMethod =
              io.grpc.MethodDescriptor.<dev.orchestrator.v1.DecideRequest, dev.orchestrator.v1.DecideResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "Decide"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.orchestrator.v1.DecideRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.orchestrator.v1.DecideResponse.getDefaultInstance()))
              .setSchemaDescriptor(new ApprovalServiceMethodDescriptorSupplier("Decide"))
              .build();
        }
      }
    }
    return getDecideMethod;
  }

  /**
   * Creates a new async stub that supports all call types for the service
   */
  public static ApprovalServiceStub newStub(io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<ApprovalServiceStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<ApprovalServiceStub>() {
        @java.lang.Override
        public ApprovalServiceStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new ApprovalServiceStub(channel, callOptions);
        }
      };
    return ApprovalServiceStub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports unary and streaming output calls on the service
   */
  public static ApprovalServiceBlockingStub newBlockingStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<ApprovalServiceBlockingStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<ApprovalServiceBlockingStub>() {
        @java.lang.Override
        public ApprovalServiceBlockingStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new ApprovalServiceBlockingStub(channel, callOptions);
        }
      };
    return ApprovalServiceBlockingStub.newStub(factory, channel);
  }

  /**
   * Creates a new ListenableFuture-style stub that supports unary calls on the service
   */
  public static ApprovalServiceFutureStub newFutureStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<ApprovalServiceFutureStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<ApprovalServiceFutureStub>() {
        @java.lang.Override
        public ApprovalServiceFutureStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new ApprovalServiceFutureStub(channel, callOptions);
        }
      };
    return ApprovalServiceFutureStub.newStub(factory, channel);
  }

  /**
   * <pre>
   * Lists and decides pending approvals.
   * </pre>
   */
  public static abstract class ApprovalServiceImplBase implements io.grpc.BindableService {

    /**
     * <pre>
     * The approvals waiting for a decision, oldest first.
     * </pre>
     */
    public void listApprovals(dev.orchestrator.v1.ListApprovalsRequest request,
        io.grpc.stub.StreamObserver<dev.orchestrator.v1.ListApprovalsResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getListApprovalsMethod(), responseObserver);
    }

    /**
     * <pre>
     * Approves or rejects a pending approval; the answer comes once the
     * decision is durable. NOT_FOUND when no such approval is pending,
     * PERMISSION_DENIED when the caller is not among its approvers,
     * INVALID_ARGUMENT when the input does not fit what it asks for,
     * UNAVAILABLE while its execution is being resumed (ask again).
     * </pre>
     */
    public void decide(dev.orchestrator.v1.DecideRequest request,
        io.grpc.stub.StreamObserver<dev.orchestrator.v1.DecideResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getDecideMethod(), responseObserver);
    }

    @java.lang.Override public final io.grpc.ServerServiceDefinition bindService() {
      return io.grpc.ServerServiceDefinition.builder(getServiceDescriptor())
          .addMethod(
            getListApprovalsMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                dev.orchestrator.v1.ListApprovalsRequest,
                dev.orchestrator.v1.ListApprovalsResponse>(
                  this, METHODID_LIST_APPROVALS)))
          .addMethod(
            getDecideMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                dev.orchestrator.v1.DecideRequest,
                dev.orchestrator.v1.DecideResponse>(
                  this, METHODID_DECIDE)))
          .build();
    }
  }

  /**
   * <pre>
   * Lists and decides pending approvals.
   * </pre>
   */
  public static final class ApprovalServiceStub extends io.grpc.stub.AbstractAsyncStub<ApprovalServiceStub> {
    private ApprovalServiceStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected ApprovalServiceStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new ApprovalServiceStub(channel, callOptions);
    }

    /**
     * <pre>
     * The approvals waiting for a decision, oldest first.
     * </pre>
     */
    public void listApprovals(dev.orchestrator.v1.ListApprovalsRequest request,
        io.grpc.stub.StreamObserver<dev.orchestrator.v1.ListApprovalsResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getListApprovalsMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Approves or rejects a pending approval; the answer comes once the
     * decision is durable. NOT_FOUND when no such approval is pending,
     * PERMISSION_DENIED when the caller is not among its approvers,
     * INVALID_ARGUMENT when the input does not fit what it asks for,
     * UNAVAILABLE while its execution is being resumed (ask again).
     * </pre>
     */
    public void decide(dev.orchestrator.v1.DecideRequest request,
        io.grpc.stub.StreamObserver<dev.orchestrator.v1.DecideResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getDecideMethod(), getCallOptions()), request, responseObserver);
    }
  }

  /**
   * <pre>
   * Lists and decides pending approvals.
   * </pre>
   */
  public static final class ApprovalServiceBlockingStub extends io.grpc.stub.AbstractBlockingStub<ApprovalServiceBlockingStub> {
    private ApprovalServiceBlockingStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected ApprovalServiceBlockingStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new ApprovalServiceBlockingStub(channel, callOptions);
    }

    /**
     * <pre>
     * The approvals waiting for a decision, oldest first.
     * </pre>
     */
    public dev.orchestrator.v1.ListApprovalsResponse listApprovals(dev.orchestrator.v1.ListApprovalsRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getListApprovalsMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Approves or rejects a pending approval; the answer comes once the
     * decision is durable. NOT_FOUND when no such approval is pending,
     * PERMISSION_DENIED when the caller is not among its approvers,
     * INVALID_ARGUMENT when the input does not fit what it asks for,
     * UNAVAILABLE while its execution is being resumed (ask again).
     * </pre>
     */
    public dev.orchestrator.v1.DecideResponse decide(dev.orchestrator.v1.DecideRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getDecideMethod(), getCallOptions(), request);
    }
  }

  /**
   * <pre>
   * Lists and decides pending approvals.
   * </pre>
   */
  public static final class ApprovalServiceFutureStub extends io.grpc.stub.AbstractFutureStub<ApprovalServiceFutureStub> {
    private ApprovalServiceFutureStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected ApprovalServiceFutureStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new ApprovalServiceFutureStub(channel, callOptions);
    }

    /**
     * <pre>
     * The approvals waiting for a decision, oldest first.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.orchestrator.v1.ListApprovalsResponse> listApprovals(
        dev.orchestrator.v1.ListApprovalsRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getListApprovalsMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Approves or rejects a pending approval; the answer comes once the
     * decision is durable. NOT_FOUND when no such approval is pending,
     * PERMISSION_DENIED when the caller is not among its approvers,
     * INVALID_ARGUMENT when the input does not fit what it asks for,
     * UNAVAILABLE while its execution is being resumed (ask again).
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.orchestrator.v1.DecideResponse> decide(
        dev.orchestrator.v1.DecideRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getDecideMethod(), getCallOptions()), request);
    }
  }

  private static final int METHODID_LIST_APPROVALS = 0;
  private static final int METHODID_DECIDE = 1;

  private static final class MethodHandlers<Req, Resp> implements
      io.grpc.stub.ServerCalls.UnaryMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.ServerStreamingMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.ClientStreamingMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.BidiStreamingMethod<Req, Resp> {
    private final ApprovalServiceImplBase serviceImpl;
    private final int methodId;

    MethodHandlers(ApprovalServiceImplBase serviceImpl, int methodId) {
      this.serviceImpl = serviceImpl;
      this.methodId = methodId;
    }

    @java.lang.Override
    @java.lang.SuppressWarnings("unchecked")
    public void invoke(Req request, io.grpc.stub.StreamObserver<Resp> responseObserver) {
      switch (methodId) {
        case METHODID_LIST_APPROVALS:
          serviceImpl.listApprovals((dev.orchestrator.v1.ListApprovalsRequest) request,
              (io.grpc.stub.StreamObserver<dev.orchestrator.v1.ListApprovalsResponse>) responseObserver);
          break;
        case METHODID_DECIDE:
          serviceImpl.decide((dev.orchestrator.v1.DecideRequest) request,
              (io.grpc.stub.StreamObserver<dev.orchestrator.v1.DecideResponse>) responseObserver);
          break;
        default:
          throw new AssertionError();
      }
    }

    @java.lang.Override
    @java.lang.SuppressWarnings("unchecked")
    public io.grpc.stub.StreamObserver<Req> invoke(
        io.grpc.stub.StreamObserver<Resp> responseObserver) {
      switch (methodId) {
        default:
          throw new AssertionError();
      }
    }
  }

  private static abstract class ApprovalServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoFileDescriptorSupplier, io.grpc.protobuf.ProtoServiceDescriptorSupplier {
    ApprovalServiceBaseDescriptorSupplier() {}

    @java.lang.Override
    public com.google.protobuf.Descriptors.FileDescriptor getFileDescriptor() {
      return dev.orchestrator.v1.ApprovalServiceProto.getDescriptor();
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.ServiceDescriptor getServiceDescriptor() {
      return getFileDescriptor().findServiceByName("ApprovalService");
    }
  }

  private static final class ApprovalServiceFileDescriptorSupplier
      extends ApprovalServiceBaseDescriptorSupplier {
    ApprovalServiceFileDescriptorSupplier() {}
  }

  private static final class ApprovalServiceMethodDescriptorSupplier
      extends ApprovalServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoMethodDescriptorSupplier {
    private final String methodName;

    ApprovalServiceMethodDescriptorSupplier(String methodName) {
      this.methodName = methodName;
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.MethodDescriptor getMethodDescriptor() {
      return getServiceDescriptor().findMethodByName(methodName);
    }
  }

  private static volatile io.grpc.ServiceDescriptor serviceDescriptor;

  public static io.grpc.ServiceDescriptor getServiceDescriptor() {
    io.grpc.ServiceDescriptor result = serviceDescriptor;
    if (result == null) {
      synchronized (ApprovalServiceGrpc.class) {
        result = serviceDescriptor;
        if (result == null) {
          serviceDescriptor = result = io.grpc.ServiceDescriptor.newBuilder(SERVICE_NAME)
              .setSchemaDescriptor(new ApprovalServiceFileDescriptorSupplier())
              .addMethod(getListApprovalsMethod())
              .addMethod(getDecideMethod())
              .build();
        }
      }
    }
    return result;
  }
}
