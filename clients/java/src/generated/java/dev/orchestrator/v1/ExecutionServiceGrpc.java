package dev.orchestrator.v1;

import static io.grpc.MethodDescriptor.generateFullMethodName;

/**
 * <pre>
 * Runs stored workflows and reports on their executions.
 * </pre>
 */
@javax.annotation.Generated(
    value = "by gRPC proto compiler",
    comments = "Source: orchestrator/v1/execution_service.proto")
@io.grpc.stub.annotations.GrpcGenerated
public final class ExecutionServiceGrpc {

  private ExecutionServiceGrpc() {}

  public static final String SERVICE_NAME = "orchestrator.v1.ExecutionService";

  // Static method descriptors that strictly reflect the proto.
  private static volatile io.grpc.MethodDescriptor<dev.orchestrator.v1.RunRequest,
      dev.orchestrator.v1.RunResponse> getRunMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "Run",
      requestType = dev.orchestrator.v1.RunRequest.class,
      responseType = dev.orchestrator.v1.RunResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.orchestrator.v1.RunRequest,
      dev.orchestrator.v1.RunResponse> getRunMethod() {
    io.grpc.MethodDescriptor<dev.orchestrator.v1.RunRequest, dev.orchestrator.v1.RunResponse> getRunMethod;
    if ((getRunMethod = ExecutionServiceGrpc.getRunMethod) == null) {
      synchronized (ExecutionServiceGrpc.class) {
        if ((getRunMethod = ExecutionServiceGrpc.getRunMethod) == null) {
          ExecutionServiceGrpc.getRunMethod = getRunMethod =
              io.grpc.MethodDescriptor.<dev.orchestrator.v1.RunRequest, dev.orchestrator.v1.RunResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "Run"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.orchestrator.v1.RunRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.orchestrator.v1.RunResponse.getDefaultInstance()))
              .setSchemaDescriptor(new ExecutionServiceMethodDescriptorSupplier("Run"))
              .build();
        }
      }
    }
    return getRunMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.orchestrator.v1.RunRequest,
      dev.orchestrator.v1.ExecutionEvent> getRunStreamMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "RunStream",
      requestType = dev.orchestrator.v1.RunRequest.class,
      responseType = dev.orchestrator.v1.ExecutionEvent.class,
      methodType = io.grpc.MethodDescriptor.MethodType.SERVER_STREAMING)
  public static io.grpc.MethodDescriptor<dev.orchestrator.v1.RunRequest,
      dev.orchestrator.v1.ExecutionEvent> getRunStreamMethod() {
    io.grpc.MethodDescriptor<dev.orchestrator.v1.RunRequest, dev.orchestrator.v1.ExecutionEvent> getRunStreamMethod;
    if ((getRunStreamMethod = ExecutionServiceGrpc.getRunStreamMethod) == null) {
      synchronized (ExecutionServiceGrpc.class) {
        if ((getRunStreamMethod = ExecutionServiceGrpc.getRunStreamMethod) == null) {
          ExecutionServiceGrpc.getRunStreamMethod = getRunStreamMethod =
              io.grpc.MethodDescriptor.<dev.orchestrator.v1.RunRequest, dev.orchestrator.v1.ExecutionEvent>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.SERVER_STREAMING)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "RunStream"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.orchestrator.v1.RunRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.orchestrator.v1.ExecutionEvent.getDefaultInstance()))
              .setSchemaDescriptor(new ExecutionServiceMethodDescriptorSupplier("RunStream"))
              .build();
        }
      }
    }
    return getRunStreamMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.orchestrator.v1.WatchRequest,
      dev.orchestrator.v1.ExecutionEvent> getWatchMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "Watch",
      requestType = dev.orchestrator.v1.WatchRequest.class,
      responseType = dev.orchestrator.v1.ExecutionEvent.class,
      methodType = io.grpc.MethodDescriptor.MethodType.SERVER_STREAMING)
  public static io.grpc.MethodDescriptor<dev.orchestrator.v1.WatchRequest,
      dev.orchestrator.v1.ExecutionEvent> getWatchMethod() {
    io.grpc.MethodDescriptor<dev.orchestrator.v1.WatchRequest, dev.orchestrator.v1.ExecutionEvent> getWatchMethod;
    if ((getWatchMethod = ExecutionServiceGrpc.getWatchMethod) == null) {
      synchronized (ExecutionServiceGrpc.class) {
        if ((getWatchMethod = ExecutionServiceGrpc.getWatchMethod) == null) {
          ExecutionServiceGrpc.getWatchMethod = getWatchMethod =
              io.grpc.MethodDescriptor.<dev.orchestrator.v1.WatchRequest, dev.orchestrator.v1.ExecutionEvent>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.SERVER_STREAMING)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "Watch"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.orchestrator.v1.WatchRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.orchestrator.v1.ExecutionEvent.getDefaultInstance()))
              .setSchemaDescriptor(new ExecutionServiceMethodDescriptorSupplier("Watch"))
              .build();
        }
      }
    }
    return getWatchMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.orchestrator.v1.WatchExecutionsRequest,
      dev.orchestrator.v1.ExecutionChange> getWatchExecutionsMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "WatchExecutions",
      requestType = dev.orchestrator.v1.WatchExecutionsRequest.class,
      responseType = dev.orchestrator.v1.ExecutionChange.class,
      methodType = io.grpc.MethodDescriptor.MethodType.SERVER_STREAMING)
  public static io.grpc.MethodDescriptor<dev.orchestrator.v1.WatchExecutionsRequest,
      dev.orchestrator.v1.ExecutionChange> getWatchExecutionsMethod() {
    io.grpc.MethodDescriptor<dev.orchestrator.v1.WatchExecutionsRequest, dev.orchestrator.v1.ExecutionChange> getWatchExecutionsMethod;
    if ((getWatchExecutionsMethod = ExecutionServiceGrpc.getWatchExecutionsMethod) == null) {
      synchronized (ExecutionServiceGrpc.class) {
        if ((getWatchExecutionsMethod = ExecutionServiceGrpc.getWatchExecutionsMethod) == null) {
          ExecutionServiceGrpc.getWatchExecutionsMethod = getWatchExecutionsMethod =
              io.grpc.MethodDescriptor.<dev.orchestrator.v1.WatchExecutionsRequest, dev.orchestrator.v1.ExecutionChange>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.SERVER_STREAMING)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "WatchExecutions"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.orchestrator.v1.WatchExecutionsRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.orchestrator.v1.ExecutionChange.getDefaultInstance()))
              .setSchemaDescriptor(new ExecutionServiceMethodDescriptorSupplier("WatchExecutions"))
              .build();
        }
      }
    }
    return getWatchExecutionsMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.orchestrator.v1.GetExecutionRequest,
      dev.orchestrator.v1.Execution> getGetExecutionMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "GetExecution",
      requestType = dev.orchestrator.v1.GetExecutionRequest.class,
      responseType = dev.orchestrator.v1.Execution.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.orchestrator.v1.GetExecutionRequest,
      dev.orchestrator.v1.Execution> getGetExecutionMethod() {
    io.grpc.MethodDescriptor<dev.orchestrator.v1.GetExecutionRequest, dev.orchestrator.v1.Execution> getGetExecutionMethod;
    if ((getGetExecutionMethod = ExecutionServiceGrpc.getGetExecutionMethod) == null) {
      synchronized (ExecutionServiceGrpc.class) {
        if ((getGetExecutionMethod = ExecutionServiceGrpc.getGetExecutionMethod) == null) {
          ExecutionServiceGrpc.getGetExecutionMethod = getGetExecutionMethod =
              io.grpc.MethodDescriptor.<dev.orchestrator.v1.GetExecutionRequest, dev.orchestrator.v1.Execution>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "GetExecution"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.orchestrator.v1.GetExecutionRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.orchestrator.v1.Execution.getDefaultInstance()))
              .setSchemaDescriptor(new ExecutionServiceMethodDescriptorSupplier("GetExecution"))
              .build();
        }
      }
    }
    return getGetExecutionMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.orchestrator.v1.ListExecutionsRequest,
      dev.orchestrator.v1.ListExecutionsResponse> getListExecutionsMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ListExecutions",
      requestType = dev.orchestrator.v1.ListExecutionsRequest.class,
      responseType = dev.orchestrator.v1.ListExecutionsResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.orchestrator.v1.ListExecutionsRequest,
      dev.orchestrator.v1.ListExecutionsResponse> getListExecutionsMethod() {
    io.grpc.MethodDescriptor<dev.orchestrator.v1.ListExecutionsRequest, dev.orchestrator.v1.ListExecutionsResponse> getListExecutionsMethod;
    if ((getListExecutionsMethod = ExecutionServiceGrpc.getListExecutionsMethod) == null) {
      synchronized (ExecutionServiceGrpc.class) {
        if ((getListExecutionsMethod = ExecutionServiceGrpc.getListExecutionsMethod) == null) {
          ExecutionServiceGrpc.getListExecutionsMethod = getListExecutionsMethod =
              io.grpc.MethodDescriptor.<dev.orchestrator.v1.ListExecutionsRequest, dev.orchestrator.v1.ListExecutionsResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ListExecutions"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.orchestrator.v1.ListExecutionsRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.orchestrator.v1.ListExecutionsResponse.getDefaultInstance()))
              .setSchemaDescriptor(new ExecutionServiceMethodDescriptorSupplier("ListExecutions"))
              .build();
        }
      }
    }
    return getListExecutionsMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.orchestrator.v1.ListActiveRequest,
      dev.orchestrator.v1.ListActiveResponse> getListActiveMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ListActive",
      requestType = dev.orchestrator.v1.ListActiveRequest.class,
      responseType = dev.orchestrator.v1.ListActiveResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.orchestrator.v1.ListActiveRequest,
      dev.orchestrator.v1.ListActiveResponse> getListActiveMethod() {
    io.grpc.MethodDescriptor<dev.orchestrator.v1.ListActiveRequest, dev.orchestrator.v1.ListActiveResponse> getListActiveMethod;
    if ((getListActiveMethod = ExecutionServiceGrpc.getListActiveMethod) == null) {
      synchronized (ExecutionServiceGrpc.class) {
        if ((getListActiveMethod = ExecutionServiceGrpc.getListActiveMethod) == null) {
          ExecutionServiceGrpc.getListActiveMethod = getListActiveMethod =
              io.grpc.MethodDescriptor.<dev.orchestrator.v1.ListActiveRequest, dev.orchestrator.v1.ListActiveResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ListActive"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.orchestrator.v1.ListActiveRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.orchestrator.v1.ListActiveResponse.getDefaultInstance()))
              .setSchemaDescriptor(new ExecutionServiceMethodDescriptorSupplier("ListActive"))
              .build();
        }
      }
    }
    return getListActiveMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.orchestrator.v1.CancelRequest,
      dev.orchestrator.v1.CancelResponse> getCancelMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "Cancel",
      requestType = dev.orchestrator.v1.CancelRequest.class,
      responseType = dev.orchestrator.v1.CancelResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.orchestrator.v1.CancelRequest,
      dev.orchestrator.v1.CancelResponse> getCancelMethod() {
    io.grpc.MethodDescriptor<dev.orchestrator.v1.CancelRequest, dev.orchestrator.v1.CancelResponse> getCancelMethod;
    if ((getCancelMethod = ExecutionServiceGrpc.getCancelMethod) == null) {
      synchronized (ExecutionServiceGrpc.class) {
        if ((getCancelMethod = ExecutionServiceGrpc.getCancelMethod) == null) {
          ExecutionServiceGrpc.getCancelMethod = getCancelMethod =
              io.grpc.MethodDescriptor.<dev.orchestrator.v1.CancelRequest, dev.orchestrator.v1.CancelResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "Cancel"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.orchestrator.v1.CancelRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.orchestrator.v1.CancelResponse.getDefaultInstance()))
              .setSchemaDescriptor(new ExecutionServiceMethodDescriptorSupplier("Cancel"))
              .build();
        }
      }
    }
    return getCancelMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.orchestrator.v1.RetryRequest,
      dev.orchestrator.v1.RunResponse> getRetryMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "Retry",
      requestType = dev.orchestrator.v1.RetryRequest.class,
      responseType = dev.orchestrator.v1.RunResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.orchestrator.v1.RetryRequest,
      dev.orchestrator.v1.RunResponse> getRetryMethod() {
    io.grpc.MethodDescriptor<dev.orchestrator.v1.RetryRequest, dev.orchestrator.v1.RunResponse> getRetryMethod;
    if ((getRetryMethod = ExecutionServiceGrpc.getRetryMethod) == null) {
      synchronized (ExecutionServiceGrpc.class) {
        if ((getRetryMethod = ExecutionServiceGrpc.getRetryMethod) == null) {
          ExecutionServiceGrpc.getRetryMethod = getRetryMethod =
              io.grpc.MethodDescriptor.<dev.orchestrator.v1.RetryRequest, dev.orchestrator.v1.RunResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "Retry"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.orchestrator.v1.RetryRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.orchestrator.v1.RunResponse.getDefaultInstance()))
              .setSchemaDescriptor(new ExecutionServiceMethodDescriptorSupplier("Retry"))
              .build();
        }
      }
    }
    return getRetryMethod;
  }

  /**
   * Creates a new async stub that supports all call types for the service
   */
  public static ExecutionServiceStub newStub(io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<ExecutionServiceStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<ExecutionServiceStub>() {
        @java.lang.Override
        public ExecutionServiceStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new ExecutionServiceStub(channel, callOptions);
        }
      };
    return ExecutionServiceStub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports unary and streaming output calls on the service
   */
  public static ExecutionServiceBlockingStub newBlockingStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<ExecutionServiceBlockingStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<ExecutionServiceBlockingStub>() {
        @java.lang.Override
        public ExecutionServiceBlockingStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new ExecutionServiceBlockingStub(channel, callOptions);
        }
      };
    return ExecutionServiceBlockingStub.newStub(factory, channel);
  }

  /**
   * Creates a new ListenableFuture-style stub that supports unary calls on the service
   */
  public static ExecutionServiceFutureStub newFutureStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<ExecutionServiceFutureStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<ExecutionServiceFutureStub>() {
        @java.lang.Override
        public ExecutionServiceFutureStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new ExecutionServiceFutureStub(channel, callOptions);
        }
      };
    return ExecutionServiceFutureStub.newStub(factory, channel);
  }

  /**
   * <pre>
   * Runs stored workflows and reports on their executions.
   * </pre>
   */
  public static abstract class ExecutionServiceImplBase implements io.grpc.BindableService {

    /**
     * <pre>
     * Starts an execution of a stored workflow. With wait, answers when it has
     * ended (and its record is durable); without, as soon as it is accepted
     * (durably). NOT_FOUND for an unknown workflow, FAILED_PRECONDITION for an
     * archived one, RESOURCE_EXHAUSTED when too many runs are queued.
     * </pre>
     */
    public void run(dev.orchestrator.v1.RunRequest request,
        io.grpc.stub.StreamObserver<dev.orchestrator.v1.RunResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getRunMethod(), responseObserver);
    }

    /**
     * <pre>
     * Starts an execution and streams its events until it ends.
     * </pre>
     */
    public void runStream(dev.orchestrator.v1.RunRequest request,
        io.grpc.stub.StreamObserver<dev.orchestrator.v1.ExecutionEvent> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getRunStreamMethod(), responseObserver);
    }

    /**
     * <pre>
     * An execution's events from from_seq on, then live events until it ends.
     * A watcher of an ended execution gets its whole history, then the stream
     * closes.
     * </pre>
     */
    public void watch(dev.orchestrator.v1.WatchRequest request,
        io.grpc.stub.StreamObserver<dev.orchestrator.v1.ExecutionEvent> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getWatchMethod(), responseObserver);
    }

    /**
     * <pre>
     * The server-wide live feed: every execution's state changes (started,
     * task started, retrying and ended, execution ended) as they happen,
     * filtered by workflow and state. Each change carries a cursor; a
     * watcher that reconnects with the last cursor it saw gets every change
     * after it, none twice. OUT_OF_RANGE when the cursor is older than the
     * feed's buffer (FEED_BUFFER changes) or from before a restart: list
     * executions to catch up, then watch from now.
     * </pre>
     */
    public void watchExecutions(dev.orchestrator.v1.WatchExecutionsRequest request,
        io.grpc.stub.StreamObserver<dev.orchestrator.v1.ExecutionChange> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getWatchExecutionsMethod(), responseObserver);
    }

    /**
     * <pre>
     * One execution with its task results.
     * </pre>
     */
    public void getExecution(dev.orchestrator.v1.GetExecutionRequest request,
        io.grpc.stub.StreamObserver<dev.orchestrator.v1.Execution> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getGetExecutionMethod(), responseObserver);
    }

    /**
     * <pre>
     * Executions by start time, newest first, filtered and paged.
     * </pre>
     */
    public void listExecutions(dev.orchestrator.v1.ListExecutionsRequest request,
        io.grpc.stub.StreamObserver<dev.orchestrator.v1.ListExecutionsResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getListExecutionsMethod(), responseObserver);
    }

    /**
     * <pre>
     * What runs now on this server, and what ended within the retention
     * (default 1 hour), newest last.
     * </pre>
     */
    public void listActive(dev.orchestrator.v1.ListActiveRequest request,
        io.grpc.stub.StreamObserver<dev.orchestrator.v1.ListActiveResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getListActiveMethod(), responseObserver);
    }

    /**
     * <pre>
     * Stops an execution: running tasks are stopped, the rest cancelled, the
     * reason and caller recorded. NOT_FOUND when it is not running here.
     * </pre>
     */
    public void cancel(dev.orchestrator.v1.CancelRequest request,
        io.grpc.stub.StreamObserver<dev.orchestrator.v1.CancelResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getCancelMethod(), responseObserver);
    }

    /**
     * <pre>
     * Runs again the failed, cancelled and timed-out tasks of an ended
     * execution and everything downstream of them; tasks that succeeded keep
     * their outputs. The execution keeps its id and its history goes on.
     * FAILED_PRECONDITION while it runs, or when nothing failed.
     * </pre>
     */
    public void retry(dev.orchestrator.v1.RetryRequest request,
        io.grpc.stub.StreamObserver<dev.orchestrator.v1.RunResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getRetryMethod(), responseObserver);
    }

    @java.lang.Override public final io.grpc.ServerServiceDefinition bindService() {
      return io.grpc.ServerServiceDefinition.builder(getServiceDescriptor())
          .addMethod(
            getRunMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                dev.orchestrator.v1.RunRequest,
                dev.orchestrator.v1.RunResponse>(
                  this, METHODID_RUN)))
          .addMethod(
            getRunStreamMethod(),
            io.grpc.stub.ServerCalls.asyncServerStreamingCall(
              new MethodHandlers<
                dev.orchestrator.v1.RunRequest,
                dev.orchestrator.v1.ExecutionEvent>(
                  this, METHODID_RUN_STREAM)))
          .addMethod(
            getWatchMethod(),
            io.grpc.stub.ServerCalls.asyncServerStreamingCall(
              new MethodHandlers<
                dev.orchestrator.v1.WatchRequest,
                dev.orchestrator.v1.ExecutionEvent>(
                  this, METHODID_WATCH)))
          .addMethod(
            getWatchExecutionsMethod(),
            io.grpc.stub.ServerCalls.asyncServerStreamingCall(
              new MethodHandlers<
                dev.orchestrator.v1.WatchExecutionsRequest,
                dev.orchestrator.v1.ExecutionChange>(
                  this, METHODID_WATCH_EXECUTIONS)))
          .addMethod(
            getGetExecutionMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                dev.orchestrator.v1.GetExecutionRequest,
                dev.orchestrator.v1.Execution>(
                  this, METHODID_GET_EXECUTION)))
          .addMethod(
            getListExecutionsMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                dev.orchestrator.v1.ListExecutionsRequest,
                dev.orchestrator.v1.ListExecutionsResponse>(
                  this, METHODID_LIST_EXECUTIONS)))
          .addMethod(
            getListActiveMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                dev.orchestrator.v1.ListActiveRequest,
                dev.orchestrator.v1.ListActiveResponse>(
                  this, METHODID_LIST_ACTIVE)))
          .addMethod(
            getCancelMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                dev.orchestrator.v1.CancelRequest,
                dev.orchestrator.v1.CancelResponse>(
                  this, METHODID_CANCEL)))
          .addMethod(
            getRetryMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                dev.orchestrator.v1.RetryRequest,
                dev.orchestrator.v1.RunResponse>(
                  this, METHODID_RETRY)))
          .build();
    }
  }

  /**
   * <pre>
   * Runs stored workflows and reports on their executions.
   * </pre>
   */
  public static final class ExecutionServiceStub extends io.grpc.stub.AbstractAsyncStub<ExecutionServiceStub> {
    private ExecutionServiceStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected ExecutionServiceStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new ExecutionServiceStub(channel, callOptions);
    }

    /**
     * <pre>
     * Starts an execution of a stored workflow. With wait, answers when it has
     * ended (and its record is durable); without, as soon as it is accepted
     * (durably). NOT_FOUND for an unknown workflow, FAILED_PRECONDITION for an
     * archived one, RESOURCE_EXHAUSTED when too many runs are queued.
     * </pre>
     */
    public void run(dev.orchestrator.v1.RunRequest request,
        io.grpc.stub.StreamObserver<dev.orchestrator.v1.RunResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getRunMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Starts an execution and streams its events until it ends.
     * </pre>
     */
    public void runStream(dev.orchestrator.v1.RunRequest request,
        io.grpc.stub.StreamObserver<dev.orchestrator.v1.ExecutionEvent> responseObserver) {
      io.grpc.stub.ClientCalls.asyncServerStreamingCall(
          getChannel().newCall(getRunStreamMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * An execution's events from from_seq on, then live events until it ends.
     * A watcher of an ended execution gets its whole history, then the stream
     * closes.
     * </pre>
     */
    public void watch(dev.orchestrator.v1.WatchRequest request,
        io.grpc.stub.StreamObserver<dev.orchestrator.v1.ExecutionEvent> responseObserver) {
      io.grpc.stub.ClientCalls.asyncServerStreamingCall(
          getChannel().newCall(getWatchMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * The server-wide live feed: every execution's state changes (started,
     * task started, retrying and ended, execution ended) as they happen,
     * filtered by workflow and state. Each change carries a cursor; a
     * watcher that reconnects with the last cursor it saw gets every change
     * after it, none twice. OUT_OF_RANGE when the cursor is older than the
     * feed's buffer (FEED_BUFFER changes) or from before a restart: list
     * executions to catch up, then watch from now.
     * </pre>
     */
    public void watchExecutions(dev.orchestrator.v1.WatchExecutionsRequest request,
        io.grpc.stub.StreamObserver<dev.orchestrator.v1.ExecutionChange> responseObserver) {
      io.grpc.stub.ClientCalls.asyncServerStreamingCall(
          getChannel().newCall(getWatchExecutionsMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * One execution with its task results.
     * </pre>
     */
    public void getExecution(dev.orchestrator.v1.GetExecutionRequest request,
        io.grpc.stub.StreamObserver<dev.orchestrator.v1.Execution> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getGetExecutionMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Executions by start time, newest first, filtered and paged.
     * </pre>
     */
    public void listExecutions(dev.orchestrator.v1.ListExecutionsRequest request,
        io.grpc.stub.StreamObserver<dev.orchestrator.v1.ListExecutionsResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getListExecutionsMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * What runs now on this server, and what ended within the retention
     * (default 1 hour), newest last.
     * </pre>
     */
    public void listActive(dev.orchestrator.v1.ListActiveRequest request,
        io.grpc.stub.StreamObserver<dev.orchestrator.v1.ListActiveResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getListActiveMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Stops an execution: running tasks are stopped, the rest cancelled, the
     * reason and caller recorded. NOT_FOUND when it is not running here.
     * </pre>
     */
    public void cancel(dev.orchestrator.v1.CancelRequest request,
        io.grpc.stub.StreamObserver<dev.orchestrator.v1.CancelResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getCancelMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Runs again the failed, cancelled and timed-out tasks of an ended
     * execution and everything downstream of them; tasks that succeeded keep
     * their outputs. The execution keeps its id and its history goes on.
     * FAILED_PRECONDITION while it runs, or when nothing failed.
     * </pre>
     */
    public void retry(dev.orchestrator.v1.RetryRequest request,
        io.grpc.stub.StreamObserver<dev.orchestrator.v1.RunResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getRetryMethod(), getCallOptions()), request, responseObserver);
    }
  }

  /**
   * <pre>
   * Runs stored workflows and reports on their executions.
   * </pre>
   */
  public static final class ExecutionServiceBlockingStub extends io.grpc.stub.AbstractBlockingStub<ExecutionServiceBlockingStub> {
    private ExecutionServiceBlockingStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected ExecutionServiceBlockingStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new ExecutionServiceBlockingStub(channel, callOptions);
    }

    /**
     * <pre>
     * Starts an execution of a stored workflow. With wait, answers when it has
     * ended (and its record is durable); without, as soon as it is accepted
     * (durably). NOT_FOUND for an unknown workflow, FAILED_PRECONDITION for an
     * archived one, RESOURCE_EXHAUSTED when too many runs are queued.
     * </pre>
     */
    public dev.orchestrator.v1.RunResponse run(dev.orchestrator.v1.RunRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getRunMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Starts an execution and streams its events until it ends.
     * </pre>
     */
    public java.util.Iterator<dev.orchestrator.v1.ExecutionEvent> runStream(
        dev.orchestrator.v1.RunRequest request) {
      return io.grpc.stub.ClientCalls.blockingServerStreamingCall(
          getChannel(), getRunStreamMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * An execution's events from from_seq on, then live events until it ends.
     * A watcher of an ended execution gets its whole history, then the stream
     * closes.
     * </pre>
     */
    public java.util.Iterator<dev.orchestrator.v1.ExecutionEvent> watch(
        dev.orchestrator.v1.WatchRequest request) {
      return io.grpc.stub.ClientCalls.blockingServerStreamingCall(
          getChannel(), getWatchMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * The server-wide live feed: every execution's state changes (started,
     * task started, retrying and ended, execution ended) as they happen,
     * filtered by workflow and state. Each change carries a cursor; a
     * watcher that reconnects with the last cursor it saw gets every change
     * after it, none twice. OUT_OF_RANGE when the cursor is older than the
     * feed's buffer (FEED_BUFFER changes) or from before a restart: list
     * executions to catch up, then watch from now.
     * </pre>
     */
    public java.util.Iterator<dev.orchestrator.v1.ExecutionChange> watchExecutions(
        dev.orchestrator.v1.WatchExecutionsRequest request) {
      return io.grpc.stub.ClientCalls.blockingServerStreamingCall(
          getChannel(), getWatchExecutionsMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * One execution with its task results.
     * </pre>
     */
    public dev.orchestrator.v1.Execution getExecution(dev.orchestrator.v1.GetExecutionRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getGetExecutionMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Executions by start time, newest first, filtered and paged.
     * </pre>
     */
    public dev.orchestrator.v1.ListExecutionsResponse listExecutions(dev.orchestrator.v1.ListExecutionsRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getListExecutionsMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * What runs now on this server, and what ended within the retention
     * (default 1 hour), newest last.
     * </pre>
     */
    public dev.orchestrator.v1.ListActiveResponse listActive(dev.orchestrator.v1.ListActiveRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getListActiveMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Stops an execution: running tasks are stopped, the rest cancelled, the
     * reason and caller recorded. NOT_FOUND when it is not running here.
     * </pre>
     */
    public dev.orchestrator.v1.CancelResponse cancel(dev.orchestrator.v1.CancelRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getCancelMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Runs again the failed, cancelled and timed-out tasks of an ended
     * execution and everything downstream of them; tasks that succeeded keep
     * their outputs. The execution keeps its id and its history goes on.
     * FAILED_PRECONDITION while it runs, or when nothing failed.
     * </pre>
     */
    public dev.orchestrator.v1.RunResponse retry(dev.orchestrator.v1.RetryRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getRetryMethod(), getCallOptions(), request);
    }
  }

  /**
   * <pre>
   * Runs stored workflows and reports on their executions.
   * </pre>
   */
  public static final class ExecutionServiceFutureStub extends io.grpc.stub.AbstractFutureStub<ExecutionServiceFutureStub> {
    private ExecutionServiceFutureStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected ExecutionServiceFutureStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new ExecutionServiceFutureStub(channel, callOptions);
    }

    /**
     * <pre>
     * Starts an execution of a stored workflow. With wait, answers when it has
     * ended (and its record is durable); without, as soon as it is accepted
     * (durably). NOT_FOUND for an unknown workflow, FAILED_PRECONDITION for an
     * archived one, RESOURCE_EXHAUSTED when too many runs are queued.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.orchestrator.v1.RunResponse> run(
        dev.orchestrator.v1.RunRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getRunMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * One execution with its task results.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.orchestrator.v1.Execution> getExecution(
        dev.orchestrator.v1.GetExecutionRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getGetExecutionMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Executions by start time, newest first, filtered and paged.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.orchestrator.v1.ListExecutionsResponse> listExecutions(
        dev.orchestrator.v1.ListExecutionsRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getListExecutionsMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * What runs now on this server, and what ended within the retention
     * (default 1 hour), newest last.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.orchestrator.v1.ListActiveResponse> listActive(
        dev.orchestrator.v1.ListActiveRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getListActiveMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Stops an execution: running tasks are stopped, the rest cancelled, the
     * reason and caller recorded. NOT_FOUND when it is not running here.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.orchestrator.v1.CancelResponse> cancel(
        dev.orchestrator.v1.CancelRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getCancelMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Runs again the failed, cancelled and timed-out tasks of an ended
     * execution and everything downstream of them; tasks that succeeded keep
     * their outputs. The execution keeps its id and its history goes on.
     * FAILED_PRECONDITION while it runs, or when nothing failed.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.orchestrator.v1.RunResponse> retry(
        dev.orchestrator.v1.RetryRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getRetryMethod(), getCallOptions()), request);
    }
  }

  private static final int METHODID_RUN = 0;
  private static final int METHODID_RUN_STREAM = 1;
  private static final int METHODID_WATCH = 2;
  private static final int METHODID_WATCH_EXECUTIONS = 3;
  private static final int METHODID_GET_EXECUTION = 4;
  private static final int METHODID_LIST_EXECUTIONS = 5;
  private static final int METHODID_LIST_ACTIVE = 6;
  private static final int METHODID_CANCEL = 7;
  private static final int METHODID_RETRY = 8;

  private static final class MethodHandlers<Req, Resp> implements
      io.grpc.stub.ServerCalls.UnaryMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.ServerStreamingMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.ClientStreamingMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.BidiStreamingMethod<Req, Resp> {
    private final ExecutionServiceImplBase serviceImpl;
    private final int methodId;

    MethodHandlers(ExecutionServiceImplBase serviceImpl, int methodId) {
      this.serviceImpl = serviceImpl;
      this.methodId = methodId;
    }

    @java.lang.Override
    @java.lang.SuppressWarnings("unchecked")
    public void invoke(Req request, io.grpc.stub.StreamObserver<Resp> responseObserver) {
      switch (methodId) {
        case METHODID_RUN:
          serviceImpl.run((dev.orchestrator.v1.RunRequest) request,
              (io.grpc.stub.StreamObserver<dev.orchestrator.v1.RunResponse>) responseObserver);
          break;
        case METHODID_RUN_STREAM:
          serviceImpl.runStream((dev.orchestrator.v1.RunRequest) request,
              (io.grpc.stub.StreamObserver<dev.orchestrator.v1.ExecutionEvent>) responseObserver);
          break;
        case METHODID_WATCH:
          serviceImpl.watch((dev.orchestrator.v1.WatchRequest) request,
              (io.grpc.stub.StreamObserver<dev.orchestrator.v1.ExecutionEvent>) responseObserver);
          break;
        case METHODID_WATCH_EXECUTIONS:
          serviceImpl.watchExecutions((dev.orchestrator.v1.WatchExecutionsRequest) request,
              (io.grpc.stub.StreamObserver<dev.orchestrator.v1.ExecutionChange>) responseObserver);
          break;
        case METHODID_GET_EXECUTION:
          serviceImpl.getExecution((dev.orchestrator.v1.GetExecutionRequest) request,
              (io.grpc.stub.StreamObserver<dev.orchestrator.v1.Execution>) responseObserver);
          break;
        case METHODID_LIST_EXECUTIONS:
          serviceImpl.listExecutions((dev.orchestrator.v1.ListExecutionsRequest) request,
              (io.grpc.stub.StreamObserver<dev.orchestrator.v1.ListExecutionsResponse>) responseObserver);
          break;
        case METHODID_LIST_ACTIVE:
          serviceImpl.listActive((dev.orchestrator.v1.ListActiveRequest) request,
              (io.grpc.stub.StreamObserver<dev.orchestrator.v1.ListActiveResponse>) responseObserver);
          break;
        case METHODID_CANCEL:
          serviceImpl.cancel((dev.orchestrator.v1.CancelRequest) request,
              (io.grpc.stub.StreamObserver<dev.orchestrator.v1.CancelResponse>) responseObserver);
          break;
        case METHODID_RETRY:
          serviceImpl.retry((dev.orchestrator.v1.RetryRequest) request,
              (io.grpc.stub.StreamObserver<dev.orchestrator.v1.RunResponse>) responseObserver);
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

  private static abstract class ExecutionServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoFileDescriptorSupplier, io.grpc.protobuf.ProtoServiceDescriptorSupplier {
    ExecutionServiceBaseDescriptorSupplier() {}

    @java.lang.Override
    public com.google.protobuf.Descriptors.FileDescriptor getFileDescriptor() {
      return dev.orchestrator.v1.ExecutionServiceProto.getDescriptor();
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.ServiceDescriptor getServiceDescriptor() {
      return getFileDescriptor().findServiceByName("ExecutionService");
    }
  }

  private static final class ExecutionServiceFileDescriptorSupplier
      extends ExecutionServiceBaseDescriptorSupplier {
    ExecutionServiceFileDescriptorSupplier() {}
  }

  private static final class ExecutionServiceMethodDescriptorSupplier
      extends ExecutionServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoMethodDescriptorSupplier {
    private final String methodName;

    ExecutionServiceMethodDescriptorSupplier(String methodName) {
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
      synchronized (ExecutionServiceGrpc.class) {
        result = serviceDescriptor;
        if (result == null) {
          serviceDescriptor = result = io.grpc.ServiceDescriptor.newBuilder(SERVICE_NAME)
              .setSchemaDescriptor(new ExecutionServiceFileDescriptorSupplier())
              .addMethod(getRunMethod())
              .addMethod(getRunStreamMethod())
              .addMethod(getWatchMethod())
              .addMethod(getWatchExecutionsMethod())
              .addMethod(getGetExecutionMethod())
              .addMethod(getListExecutionsMethod())
              .addMethod(getListActiveMethod())
              .addMethod(getCancelMethod())
              .addMethod(getRetryMethod())
              .build();
        }
      }
    }
    return result;
  }
}
