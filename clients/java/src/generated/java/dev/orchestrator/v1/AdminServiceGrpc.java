package dev.orchestrator.v1;

import static io.grpc.MethodDescriptor.generateFullMethodName;

/**
 * <pre>
 * Operations on the server's store.
 * </pre>
 */
@javax.annotation.Generated(
    value = "by gRPC proto compiler",
    comments = "Source: orchestrator/v1/admin_service.proto")
@io.grpc.stub.annotations.GrpcGenerated
public final class AdminServiceGrpc {

  private AdminServiceGrpc() {}

  public static final String SERVICE_NAME = "orchestrator.v1.AdminService";

  // Static method descriptors that strictly reflect the proto.
  private static volatile io.grpc.MethodDescriptor<dev.orchestrator.v1.StatsRequest,
      dev.orchestrator.v1.StatsResponse> getStatsMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "Stats",
      requestType = dev.orchestrator.v1.StatsRequest.class,
      responseType = dev.orchestrator.v1.StatsResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.orchestrator.v1.StatsRequest,
      dev.orchestrator.v1.StatsResponse> getStatsMethod() {
    io.grpc.MethodDescriptor<dev.orchestrator.v1.StatsRequest, dev.orchestrator.v1.StatsResponse> getStatsMethod;
    if ((getStatsMethod = AdminServiceGrpc.getStatsMethod) == null) {
      synchronized (AdminServiceGrpc.class) {
        if ((getStatsMethod = AdminServiceGrpc.getStatsMethod) == null) {
          AdminServiceGrpc.getStatsMethod = getStatsMethod =
              io.grpc.MethodDescriptor.<dev.orchestrator.v1.StatsRequest, dev.orchestrator.v1.StatsResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "Stats"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.orchestrator.v1.StatsRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.orchestrator.v1.StatsResponse.getDefaultInstance()))
              .setSchemaDescriptor(new AdminServiceMethodDescriptorSupplier("Stats"))
              .build();
        }
      }
    }
    return getStatsMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.orchestrator.v1.CompactRequest,
      dev.orchestrator.v1.CompactResponse> getCompactMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "Compact",
      requestType = dev.orchestrator.v1.CompactRequest.class,
      responseType = dev.orchestrator.v1.CompactResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.orchestrator.v1.CompactRequest,
      dev.orchestrator.v1.CompactResponse> getCompactMethod() {
    io.grpc.MethodDescriptor<dev.orchestrator.v1.CompactRequest, dev.orchestrator.v1.CompactResponse> getCompactMethod;
    if ((getCompactMethod = AdminServiceGrpc.getCompactMethod) == null) {
      synchronized (AdminServiceGrpc.class) {
        if ((getCompactMethod = AdminServiceGrpc.getCompactMethod) == null) {
          AdminServiceGrpc.getCompactMethod = getCompactMethod =
              io.grpc.MethodDescriptor.<dev.orchestrator.v1.CompactRequest, dev.orchestrator.v1.CompactResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "Compact"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.orchestrator.v1.CompactRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.orchestrator.v1.CompactResponse.getDefaultInstance()))
              .setSchemaDescriptor(new AdminServiceMethodDescriptorSupplier("Compact"))
              .build();
        }
      }
    }
    return getCompactMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.orchestrator.v1.BackupRequest,
      dev.orchestrator.v1.BackupResponse> getBackupMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "Backup",
      requestType = dev.orchestrator.v1.BackupRequest.class,
      responseType = dev.orchestrator.v1.BackupResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.orchestrator.v1.BackupRequest,
      dev.orchestrator.v1.BackupResponse> getBackupMethod() {
    io.grpc.MethodDescriptor<dev.orchestrator.v1.BackupRequest, dev.orchestrator.v1.BackupResponse> getBackupMethod;
    if ((getBackupMethod = AdminServiceGrpc.getBackupMethod) == null) {
      synchronized (AdminServiceGrpc.class) {
        if ((getBackupMethod = AdminServiceGrpc.getBackupMethod) == null) {
          AdminServiceGrpc.getBackupMethod = getBackupMethod =
              io.grpc.MethodDescriptor.<dev.orchestrator.v1.BackupRequest, dev.orchestrator.v1.BackupResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "Backup"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.orchestrator.v1.BackupRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.orchestrator.v1.BackupResponse.getDefaultInstance()))
              .setSchemaDescriptor(new AdminServiceMethodDescriptorSupplier("Backup"))
              .build();
        }
      }
    }
    return getBackupMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.orchestrator.v1.ListAuditRequest,
      dev.orchestrator.v1.ListAuditResponse> getListAuditMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ListAudit",
      requestType = dev.orchestrator.v1.ListAuditRequest.class,
      responseType = dev.orchestrator.v1.ListAuditResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.orchestrator.v1.ListAuditRequest,
      dev.orchestrator.v1.ListAuditResponse> getListAuditMethod() {
    io.grpc.MethodDescriptor<dev.orchestrator.v1.ListAuditRequest, dev.orchestrator.v1.ListAuditResponse> getListAuditMethod;
    if ((getListAuditMethod = AdminServiceGrpc.getListAuditMethod) == null) {
      synchronized (AdminServiceGrpc.class) {
        if ((getListAuditMethod = AdminServiceGrpc.getListAuditMethod) == null) {
          AdminServiceGrpc.getListAuditMethod = getListAuditMethod =
              io.grpc.MethodDescriptor.<dev.orchestrator.v1.ListAuditRequest, dev.orchestrator.v1.ListAuditResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ListAudit"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.orchestrator.v1.ListAuditRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.orchestrator.v1.ListAuditResponse.getDefaultInstance()))
              .setSchemaDescriptor(new AdminServiceMethodDescriptorSupplier("ListAudit"))
              .build();
        }
      }
    }
    return getListAuditMethod;
  }

  /**
   * Creates a new async stub that supports all call types for the service
   */
  public static AdminServiceStub newStub(io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<AdminServiceStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<AdminServiceStub>() {
        @java.lang.Override
        public AdminServiceStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new AdminServiceStub(channel, callOptions);
        }
      };
    return AdminServiceStub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports unary and streaming output calls on the service
   */
  public static AdminServiceBlockingStub newBlockingStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<AdminServiceBlockingStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<AdminServiceBlockingStub>() {
        @java.lang.Override
        public AdminServiceBlockingStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new AdminServiceBlockingStub(channel, callOptions);
        }
      };
    return AdminServiceBlockingStub.newStub(factory, channel);
  }

  /**
   * Creates a new ListenableFuture-style stub that supports unary calls on the service
   */
  public static AdminServiceFutureStub newFutureStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<AdminServiceFutureStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<AdminServiceFutureStub>() {
        @java.lang.Override
        public AdminServiceFutureStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new AdminServiceFutureStub(channel, callOptions);
        }
      };
    return AdminServiceFutureStub.newStub(factory, channel);
  }

  /**
   * <pre>
   * Operations on the server's store.
   * </pre>
   */
  public static abstract class AdminServiceImplBase implements io.grpc.BindableService {

    /**
     * <pre>
     * Storage statistics (RocksDB properties such as rocksdb.estimate-num-keys).
     * </pre>
     */
    public void stats(dev.orchestrator.v1.StatsRequest request,
        io.grpc.stub.StreamObserver<dev.orchestrator.v1.StatsResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getStatsMethod(), responseObserver);
    }

    /**
     * <pre>
     * Compacts the store (all column families).
     * </pre>
     */
    public void compact(dev.orchestrator.v1.CompactRequest request,
        io.grpc.stub.StreamObserver<dev.orchestrator.v1.CompactResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getCompactMethod(), responseObserver);
    }

    /**
     * <pre>
     * Writes a consistent copy of the store (a RocksDB checkpoint) into a
     * new directory under the server's BACKUP_DIR; a server started on that
     * directory as its data directory has everything acknowledged before the
     * call. FAILED_PRECONDITION on PostgreSQL (use the database's backups).
     * </pre>
     */
    public void backup(dev.orchestrator.v1.BackupRequest request,
        io.grpc.stub.StreamObserver<dev.orchestrator.v1.BackupResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getBackupMethod(), responseObserver);
    }

    /**
     * <pre>
     * The audit trail, newest first: cancellations, retries, workflow changes.
     * </pre>
     */
    public void listAudit(dev.orchestrator.v1.ListAuditRequest request,
        io.grpc.stub.StreamObserver<dev.orchestrator.v1.ListAuditResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getListAuditMethod(), responseObserver);
    }

    @java.lang.Override public final io.grpc.ServerServiceDefinition bindService() {
      return io.grpc.ServerServiceDefinition.builder(getServiceDescriptor())
          .addMethod(
            getStatsMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                dev.orchestrator.v1.StatsRequest,
                dev.orchestrator.v1.StatsResponse>(
                  this, METHODID_STATS)))
          .addMethod(
            getCompactMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                dev.orchestrator.v1.CompactRequest,
                dev.orchestrator.v1.CompactResponse>(
                  this, METHODID_COMPACT)))
          .addMethod(
            getBackupMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                dev.orchestrator.v1.BackupRequest,
                dev.orchestrator.v1.BackupResponse>(
                  this, METHODID_BACKUP)))
          .addMethod(
            getListAuditMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                dev.orchestrator.v1.ListAuditRequest,
                dev.orchestrator.v1.ListAuditResponse>(
                  this, METHODID_LIST_AUDIT)))
          .build();
    }
  }

  /**
   * <pre>
   * Operations on the server's store.
   * </pre>
   */
  public static final class AdminServiceStub extends io.grpc.stub.AbstractAsyncStub<AdminServiceStub> {
    private AdminServiceStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected AdminServiceStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new AdminServiceStub(channel, callOptions);
    }

    /**
     * <pre>
     * Storage statistics (RocksDB properties such as rocksdb.estimate-num-keys).
     * </pre>
     */
    public void stats(dev.orchestrator.v1.StatsRequest request,
        io.grpc.stub.StreamObserver<dev.orchestrator.v1.StatsResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getStatsMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Compacts the store (all column families).
     * </pre>
     */
    public void compact(dev.orchestrator.v1.CompactRequest request,
        io.grpc.stub.StreamObserver<dev.orchestrator.v1.CompactResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getCompactMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Writes a consistent copy of the store (a RocksDB checkpoint) into a
     * new directory under the server's BACKUP_DIR; a server started on that
     * directory as its data directory has everything acknowledged before the
     * call. FAILED_PRECONDITION on PostgreSQL (use the database's backups).
     * </pre>
     */
    public void backup(dev.orchestrator.v1.BackupRequest request,
        io.grpc.stub.StreamObserver<dev.orchestrator.v1.BackupResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getBackupMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * The audit trail, newest first: cancellations, retries, workflow changes.
     * </pre>
     */
    public void listAudit(dev.orchestrator.v1.ListAuditRequest request,
        io.grpc.stub.StreamObserver<dev.orchestrator.v1.ListAuditResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getListAuditMethod(), getCallOptions()), request, responseObserver);
    }
  }

  /**
   * <pre>
   * Operations on the server's store.
   * </pre>
   */
  public static final class AdminServiceBlockingStub extends io.grpc.stub.AbstractBlockingStub<AdminServiceBlockingStub> {
    private AdminServiceBlockingStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected AdminServiceBlockingStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new AdminServiceBlockingStub(channel, callOptions);
    }

    /**
     * <pre>
     * Storage statistics (RocksDB properties such as rocksdb.estimate-num-keys).
     * </pre>
     */
    public dev.orchestrator.v1.StatsResponse stats(dev.orchestrator.v1.StatsRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getStatsMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Compacts the store (all column families).
     * </pre>
     */
    public dev.orchestrator.v1.CompactResponse compact(dev.orchestrator.v1.CompactRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getCompactMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Writes a consistent copy of the store (a RocksDB checkpoint) into a
     * new directory under the server's BACKUP_DIR; a server started on that
     * directory as its data directory has everything acknowledged before the
     * call. FAILED_PRECONDITION on PostgreSQL (use the database's backups).
     * </pre>
     */
    public dev.orchestrator.v1.BackupResponse backup(dev.orchestrator.v1.BackupRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getBackupMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * The audit trail, newest first: cancellations, retries, workflow changes.
     * </pre>
     */
    public dev.orchestrator.v1.ListAuditResponse listAudit(dev.orchestrator.v1.ListAuditRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getListAuditMethod(), getCallOptions(), request);
    }
  }

  /**
   * <pre>
   * Operations on the server's store.
   * </pre>
   */
  public static final class AdminServiceFutureStub extends io.grpc.stub.AbstractFutureStub<AdminServiceFutureStub> {
    private AdminServiceFutureStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected AdminServiceFutureStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new AdminServiceFutureStub(channel, callOptions);
    }

    /**
     * <pre>
     * Storage statistics (RocksDB properties such as rocksdb.estimate-num-keys).
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.orchestrator.v1.StatsResponse> stats(
        dev.orchestrator.v1.StatsRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getStatsMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Compacts the store (all column families).
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.orchestrator.v1.CompactResponse> compact(
        dev.orchestrator.v1.CompactRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getCompactMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Writes a consistent copy of the store (a RocksDB checkpoint) into a
     * new directory under the server's BACKUP_DIR; a server started on that
     * directory as its data directory has everything acknowledged before the
     * call. FAILED_PRECONDITION on PostgreSQL (use the database's backups).
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.orchestrator.v1.BackupResponse> backup(
        dev.orchestrator.v1.BackupRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getBackupMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * The audit trail, newest first: cancellations, retries, workflow changes.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.orchestrator.v1.ListAuditResponse> listAudit(
        dev.orchestrator.v1.ListAuditRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getListAuditMethod(), getCallOptions()), request);
    }
  }

  private static final int METHODID_STATS = 0;
  private static final int METHODID_COMPACT = 1;
  private static final int METHODID_BACKUP = 2;
  private static final int METHODID_LIST_AUDIT = 3;

  private static final class MethodHandlers<Req, Resp> implements
      io.grpc.stub.ServerCalls.UnaryMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.ServerStreamingMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.ClientStreamingMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.BidiStreamingMethod<Req, Resp> {
    private final AdminServiceImplBase serviceImpl;
    private final int methodId;

    MethodHandlers(AdminServiceImplBase serviceImpl, int methodId) {
      this.serviceImpl = serviceImpl;
      this.methodId = methodId;
    }

    @java.lang.Override
    @java.lang.SuppressWarnings("unchecked")
    public void invoke(Req request, io.grpc.stub.StreamObserver<Resp> responseObserver) {
      switch (methodId) {
        case METHODID_STATS:
          serviceImpl.stats((dev.orchestrator.v1.StatsRequest) request,
              (io.grpc.stub.StreamObserver<dev.orchestrator.v1.StatsResponse>) responseObserver);
          break;
        case METHODID_COMPACT:
          serviceImpl.compact((dev.orchestrator.v1.CompactRequest) request,
              (io.grpc.stub.StreamObserver<dev.orchestrator.v1.CompactResponse>) responseObserver);
          break;
        case METHODID_BACKUP:
          serviceImpl.backup((dev.orchestrator.v1.BackupRequest) request,
              (io.grpc.stub.StreamObserver<dev.orchestrator.v1.BackupResponse>) responseObserver);
          break;
        case METHODID_LIST_AUDIT:
          serviceImpl.listAudit((dev.orchestrator.v1.ListAuditRequest) request,
              (io.grpc.stub.StreamObserver<dev.orchestrator.v1.ListAuditResponse>) responseObserver);
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

  private static abstract class AdminServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoFileDescriptorSupplier, io.grpc.protobuf.ProtoServiceDescriptorSupplier {
    AdminServiceBaseDescriptorSupplier() {}

    @java.lang.Override
    public com.google.protobuf.Descriptors.FileDescriptor getFileDescriptor() {
      return dev.orchestrator.v1.AdminServiceProto.getDescriptor();
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.ServiceDescriptor getServiceDescriptor() {
      return getFileDescriptor().findServiceByName("AdminService");
    }
  }

  private static final class AdminServiceFileDescriptorSupplier
      extends AdminServiceBaseDescriptorSupplier {
    AdminServiceFileDescriptorSupplier() {}
  }

  private static final class AdminServiceMethodDescriptorSupplier
      extends AdminServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoMethodDescriptorSupplier {
    private final String methodName;

    AdminServiceMethodDescriptorSupplier(String methodName) {
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
      synchronized (AdminServiceGrpc.class) {
        result = serviceDescriptor;
        if (result == null) {
          serviceDescriptor = result = io.grpc.ServiceDescriptor.newBuilder(SERVICE_NAME)
              .setSchemaDescriptor(new AdminServiceFileDescriptorSupplier())
              .addMethod(getStatsMethod())
              .addMethod(getCompactMethod())
              .addMethod(getBackupMethod())
              .addMethod(getListAuditMethod())
              .build();
        }
      }
    }
    return result;
  }
}
