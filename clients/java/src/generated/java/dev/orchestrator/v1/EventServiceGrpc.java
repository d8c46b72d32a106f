package dev.orchestrator.v1;

import static io.grpc.MethodDescriptor.generateFullMethodName;

/**
 * <pre>
 * Publishes events and manages triggers.
 * </pre>
 */
@javax.annotation.Generated(
    value = "by gRPC proto compiler",
    comments = "Source: orchestrator/v1/event_service.proto")
@io.grpc.stub.annotations.GrpcGenerated
public final class EventServiceGrpc {

  private EventServiceGrpc() {}

  public static final String SERVICE_NAME = "orchestrator.v1.EventService";

  // Static method descriptors that strictly reflect the proto.
  private static volatile io.grpc.MethodDescriptor<dev.orchestrator.v1.PublishRequest,
      dev.orchestrator.v1.PublishResponse> getPublishMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "Publish",
      requestType = dev.orchestrator.v1.PublishRequest.class,
      responseType = dev.orchestrator.v1.PublishResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.orchestrator.v1.PublishRequest,
      dev.orchestrator.v1.PublishResponse> getPublishMethod() {
    io.grpc.MethodDescriptor<dev.orchestrator.v1.PublishRequest, dev.orchestrator.v1.PublishResponse> getPublishMethod;
    if ((getPublishMethod = EventServiceGrpc.getPublishMethod) == null) {
      synchronized (EventServiceGrpc.class) {
        if ((getPublishMethod = EventServiceGrpc.getPublishMethod) == null) {
          EventServiceGrpc.getPublishMethod = getPublishMethod =
              io.grpc.MethodDescriptor.<dev.orchestrator.v1.PublishRequest, dev.orchestrator.v1.PublishResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "Publish"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.orchestrator.v1.PublishRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.orchestrator.v1.PublishResponse.getDefaultInstance()))
              .setSchemaDescriptor(new EventServiceMethodDescriptorSupplier("Publish"))
              .build();
        }
      }
    }
    return getPublishMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.orchestrator.v1.CreateTriggerRequest,
      dev.orchestrator.v1.Trigger> getCreateTriggerMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "CreateTrigger",
      requestType = dev.orchestrator.v1.CreateTriggerRequest.class,
      responseType = dev.orchestrator.v1.Trigger.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.orchestrator.v1.CreateTriggerRequest,
      dev.orchestrator.v1.Trigger> getCreateTriggerMethod() {
    io.grpc.MethodDescriptor<dev.orchestrator.v1.CreateTriggerRequest, dev.orchestrator.v1.Trigger> getCreateTriggerMethod;
    if ((getCreateTriggerMethod = EventServiceGrpc.getCreateTriggerMethod) == null) {
      synchronized (EventServiceGrpc.class) {
        if ((getCreateTriggerMethod = EventServiceGrpc.getCreateTriggerMethod) == null) {
          EventServiceGrpc.getCreateTriggerMethod = getCreateTriggerMethod =
              io.grpc.MethodDescriptor.<dev.orchestrator.v1.CreateTriggerRequest, dev.orchestrator.v1.Trigger>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "CreateTrigger"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.orchestrator.v1.CreateTriggerRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.orchestrator.v1.Trigger.getDefaultInstance()))
              .setSchemaDescriptor(new EventServiceMethodDescriptorSupplier("CreateTrigger"))
              .build();
        }
      }
    }
    return getCreateTriggerMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.orchestrator.v1.UpdateTriggerRequest,
      dev.orchestrator.v1.Trigger> getUpdateTriggerMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "UpdateTrigger",
      requestType = dev.orchestrator.v1.UpdateTriggerRequest.class,
      responseType = dev.orchestrator.v1.Trigger.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.orchestrator.v1.UpdateTriggerRequest,
      dev.orchestrator.v1.Trigger> getUpdateTriggerMethod() {
    io.grpc.MethodDescriptor<dev.orchestrator.v1.UpdateTriggerRequest, dev.orchestrator.v1.Trigger> getUpdateTriggerMethod;
    if ((getUpdateTriggerMethod = EventServiceGrpc.getUpdateTriggerMethod) == null) {
      synchronized (EventServiceGrpc.class) {
        if ((getUpdateTriggerMethod = EventServiceGrpc.getUpdateTriggerMethod) == null) {
          EventServiceGrpc.getUpdateTriggerMethod = getUpdateTriggerMethod =
              io.grpc.MethodDescriptor.<dev.orchestrator.v1.UpdateTriggerRequest, dev.orchestrator.v1.Trigger>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "UpdateTrigger"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.orchestrator.v1.UpdateTriggerRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.orchestrator.v1.Trigger.getDefaultInstance()))
              .setSchemaDescriptor(new EventServiceMethodDescriptorSupplier("UpdateTrigger"))
              .build();
        }
      }
    }
    return getUpdateTriggerMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.orchestrator.v1.TriggerId,
      dev.orchestrator.v1.Trigger> getGetTriggerMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "GetTrigger",
      requestType = dev.orchestrator.v1.TriggerId.class,
      responseType = dev.orchestrator.v1.Trigger.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.orchestrator.v1.TriggerId,
      dev.orchestrator.v1.Trigger> getGetTriggerMethod() {
    io.grpc.MethodDescriptor<dev.orchestrator.v1.TriggerId, dev.orchestrator.v1.Trigger> getGetTriggerMethod;
    if ((getGetTriggerMethod = EventServiceGrpc.getGetTriggerMethod) == null) {
      synchronized (EventServiceGrpc.class) {
        if ((getGetTriggerMethod = EventServiceGrpc.getGetTriggerMethod) == null) {
          EventServiceGrpc.getGetTriggerMethod = getGetTriggerMethod =
              io.grpc.MethodDescriptor.<dev.orchestrator.v1.TriggerId, dev.orchestrator.v1.Trigger>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "GetTrigger"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.orchestrator.v1.TriggerId.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.orchestrator.v1.Trigger.getDefaultInstance()))
              .setSchemaDescriptor(new EventServiceMethodDescriptorSupplier("GetTrigger"))
              .build();
        }
      }
    }
    return getGetTriggerMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.orchestrator.v1.ListTriggersRequest,
      dev.orchestrator.v1.ListTriggersResponse> getListTriggersMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ListTriggers",
      requestType = dev.orchestrator.v1.ListTriggersRequest.class,
      responseType = dev.orchestrator.v1.ListTriggersResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.orchestrator.v1.ListTriggersRequest,
      dev.orchestrator.v1.ListTriggersResponse> getListTriggersMethod() {
    io.grpc.MethodDescriptor<dev.orchestrator.v1.ListTriggersRequest, dev.orchestrator.v1.ListTriggersResponse> getListTriggersMethod;
    if ((getListTriggersMethod = EventServiceGrpc.getListTriggersMethod) == null) {
      synchronized (EventServiceGrpc.class) {
        if ((getListTriggersMethod = EventServiceGrpc.getListTriggersMethod) == null) {
          EventServiceGrpc.getListTriggersMethod = getListTriggersMethod =
              io.grpc.MethodDescriptor.<dev.orchestrator.v1.ListTriggersRequest, dev.orchestrator.v1.ListTriggersResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ListTriggers"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.orchestrator.v1.ListTriggersRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.orchestrator.v1.ListTriggersResponse.getDefaultInstance()))
              .setSchemaDescriptor(new EventServiceMethodDescriptorSupplier("ListTriggers"))
              .build();
        }
      }
    }
    return getListTriggersMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.orchestrator.v1.TriggerId,
      dev.orchestrator.v1.DeleteTriggerResponse> getDeleteTriggerMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "DeleteTrigger",
      requestType = dev.orchestrator.v1.TriggerId.class,
      responseType = dev.orchestrator.v1.DeleteTriggerResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.orchestrator.v1.TriggerId,
      dev.orchestrator.v1.DeleteTriggerResponse> getDeleteTriggerMethod() {
    io.grpc.MethodDescriptor<dev.orchestrator.v1.TriggerId, dev.orchestrator.v1.DeleteTriggerResponse> getDeleteTriggerMethod;
    if ((getDeleteTriggerMethod = EventServiceGrpc.getDeleteTriggerMethod) == null) {
      synchronized (EventServiceGrpc.class) {
        if ((getDeleteTriggerMethod = EventServiceGrpc.getDeleteTriggerMethod) == null) {
          EventServiceGrpc.getDeleteTriggerMethod = getDeleteTriggerMethod =
              io.grpc.MethodDescriptor.<dev.orchestrator.v1.TriggerId, dev.orchestrator.v1.DeleteTriggerResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "DeleteTrigger"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.orchestrator.v1.TriggerId.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.orchestrator.v1.DeleteTriggerResponse.getDefaultInstance()))
              .setSchemaDescriptor(new EventServiceMethodDescriptorSupplier("DeleteTrigger"))
              .build();
        }
      }
    }
    return getDeleteTriggerMethod;
  }

  /**
   * Creates a new async stub that supports all call types for the service
   */
  public static EventServiceStub newStub(io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<EventServiceStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<EventServiceStub>() {
        @java.lang.Override
        public EventServiceStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new EventServiceStub(channel, callOptions);
        }
      };
    return EventServiceStub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports unary and streaming output calls on the service
   */
  public static EventServiceBlockingStub newBlockingStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<EventServiceBlockingStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<EventServiceBlockingStub>() {
        @java.lang.Override
        public EventServiceBlockingStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new EventServiceBlockingStub(channel, callOptions);
        }
      };
    return EventServiceBlockingStub.newStub(factory, channel);
  }

  /**
   * Creates a new ListenableFuture-style stub that supports unary calls on the service
   */
  public static EventServiceFutureStub newFutureStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<EventServiceFutureStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<EventServiceFutureStub>() {
        @java.lang.Override
        public EventServiceFutureStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new EventServiceFutureStub(channel, callOptions);
        }
      };
    return EventServiceFutureStub.newStub(factory, channel);
  }

  /**
   * <pre>
   * Publishes events and manages triggers.
   * </pre>
   */
  public static abstract class EventServiceImplBase implements io.grpc.BindableService {

    /**
     * <pre>
     * Starts every enabled trigger whose event_type pattern matches and whose
     * filter is true; answers with what each matching trigger did.
     * </pre>
     */
    public void publish(dev.orchestrator.v1.PublishRequest request,
        io.grpc.stub.StreamObserver<dev.orchestrator.v1.PublishResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getPublishMethod(), responseObserver);
    }

    /**
     * <pre>
     * Creates a trigger; INVALID_ARGUMENT names the bad field (workflow_name,
     * event_type, filter, ...), ALREADY_EXISTS for a taken id.
     * </pre>
     */
    public void createTrigger(dev.orchestrator.v1.CreateTriggerRequest request,
        io.grpc.stub.StreamObserver<dev.orchestrator.v1.Trigger> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getCreateTriggerMethod(), responseObserver);
    }

    /**
     * <pre>
     * Replaces a trigger's definition (an empty webhook_secret keeps the
     * stored one).
     * </pre>
     */
    public void updateTrigger(dev.orchestrator.v1.UpdateTriggerRequest request,
        io.grpc.stub.StreamObserver<dev.orchestrator.v1.Trigger> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getUpdateTriggerMethod(), responseObserver);
    }

    /**
     * <pre>
     * One trigger.
     * </pre>
     */
    public void getTrigger(dev.orchestrator.v1.TriggerId request,
        io.grpc.stub.StreamObserver<dev.orchestrator.v1.Trigger> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getGetTriggerMethod(), responseObserver);
    }

    /**
     * <pre>
     * Every trigger, by id.
     * </pre>
     */
    public void listTriggers(dev.orchestrator.v1.ListTriggersRequest request,
        io.grpc.stub.StreamObserver<dev.orchestrator.v1.ListTriggersResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getListTriggersMethod(), responseObserver);
    }

    /**
     * <pre>
     * Removes a trigger; runs it started go on.
     * </pre>
     */
    public void deleteTrigger(dev.orchestrator.v1.TriggerId request,
        io.grpc.stub.StreamObserver<dev.orchestrator.v1.DeleteTriggerResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getDeleteTriggerMethod(), responseObserver);
    }

    @java.lang.Override public final io.grpc.ServerServiceDefinition bindService() {
      return io.grpc.ServerServiceDefinition.builder(getServiceDescriptor())
          .addMethod(
            getPublishMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                dev.orchestrator.v1.PublishRequest,
                dev.orchestrator.v1.PublishResponse>(
                  this, METHODID_PUBLISH)))
          .addMethod(
            getCreateTriggerMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                dev.orchestrator.v1.CreateTriggerRequest,
                dev.orchestrator.v1.Trigger>(
                  this, METHODID_CREATE_TRIGGER)))
          .addMethod(
            getUpdateTriggerMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                dev.orchestrator.v1.UpdateTriggerRequest,
                dev.orchestrator.v1.Trigger>(
                  this, METHODID_UPDATE_TRIGGER)))
          .addMethod(
            getGetTriggerMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                dev.orchestrator.v1.TriggerId,
                dev.orchestrator.v1.Trigger>(
                  this, METHODID_GET_TRIGGER)))
          .addMethod(
            getListTriggersMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                dev.orchestrator.v1.ListTriggersRequest,
                dev.orchestrator.v1.ListTriggersResponse>(
                  this, METHODID_LIST_TRIGGERS)))
          .addMethod(
            getDeleteTriggerMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                dev.orchestrator.v1.TriggerId,
                dev.orchestrator.v1.DeleteTriggerResponse>(
                  this, METHODID_DELETE_TRIGGER)))
          .build();
    }
  }

  /**
   * <pre>
   * Publishes events and manages triggers.
   * </pre>
   */
  public static final class EventServiceStub extends io.grpc.stub.AbstractAsyncStub<EventServiceStub> {
    private EventServiceStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected EventServiceStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new EventServiceStub(channel, callOptions);
    }

    /**
     * <pre>
     * Starts every enabled trigger whose event_type pattern matches and whose
     * filter is true; answers with what each matching trigger did.
     * </pre>
     */
    public void publish(dev.orchestrator.v1.PublishRequest request,
        io.grpc.stub.StreamObserver<dev.orchestrator.v1.PublishResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getPublishMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Creates a trigger; INVALID_ARGUMENT names the bad field (workflow_name,
     * event_type, filter, ...), ALREADY_EXISTS for a taken id.
     * </pre>
     */
    public void createTrigger(dev.orchestrator.v1.CreateTriggerRequest request,
        io.grpc.stub.StreamObserver<dev.orchestrator.v1.Trigger> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getCreateTriggerMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Replaces a trigger's definition (an empty webhook_secret keeps the
     * stored one).
     * </pre>
     */
    public void updateTrigger(dev.orchestrator.v1.UpdateTriggerRequest request,
        io.grpc.stub.StreamObserver<dev.orchestrator.v1.Trigger> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getUpdateTriggerMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * One trigger.
     * </pre>
     */
    public void getTrigger(dev.orchestrator.v1.TriggerId request,
        io.grpc.stub.StreamObserver<dev.orchestrator.v1.Trigger> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getGetTriggerMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Every trigger, by id.
     * </pre>
     */
    public void listTriggers(dev.orchestrator.v1.ListTriggersRequest request,
        io.grpc.stub.StreamObserver<dev.orchestrator.v1.ListTriggersResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getListTriggersMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Removes a trigger; runs it started go on.
     * </pre>
     */
    public void deleteTrigger(dev.orchestrator.v1.TriggerId request,
        io.grpc.stub.StreamObserver<dev.orchestrator.v1.DeleteTriggerResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getDeleteTriggerMethod(), getCallOptions()), request, responseObserver);
    }
  }

  /**
   * <pre>
   * Publishes events and manages triggers.
   * </pre>
   */
  public static final class EventServiceBlockingStub extends io.grpc.stub.AbstractBlockingStub<EventServiceBlockingStub> {
    private EventServiceBlockingStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected EventServiceBlockingStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new EventServiceBlockingStub(channel, callOptions);
    }

    /**
     * <pre>
     * Starts every enabled trigger whose event_type pattern matches and whose
     * filter is true; answers with what each matching trigger did.
     * </pre>
     */
    public dev.orchestrator.v1.PublishResponse publish(dev.orchestrator.v1.PublishRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getPublishMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Creates a trigger; INVALID_ARGUMENT names the bad field (workflow_name,
     * event_type, filter, ...), ALREADY_EXISTS for a taken id.
     * </pre>
     */
    public dev.orchestrator.v1.Trigger createTrigger(dev.orchestrator.v1.CreateTriggerRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getCreateTriggerMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Replaces a trigger's definition (an empty webhook_secret keeps the
     * stored one).
     * </pre>
     */
    public dev.orchestrator.v1.Trigger updateTrigger(dev.orchestrator.v1.UpdateTriggerRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getUpdateTriggerMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * One trigger.
     * </pre>
     */
    public dev.orchestrator.v1.Trigger getTrigger(dev.orchestrator.v1.TriggerId request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getGetTriggerMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Every trigger, by id.
     * </pre>
     */
    public dev.orchestrator.v1.ListTriggersResponse listTriggers(dev.orchestrator.v1.ListTriggersRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getListTriggersMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Removes a trigger; runs it started go on.
     * </pre>
     */
    public dev.orchestrator.v1.DeleteTriggerResponse deleteTrigger(dev.orchestrator.v1.TriggerId request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getDeleteTriggerMethod(), getCallOptions(), request);
    }
  }

  /**
   * <pre>
   * Publishes events and manages triggers.
   * </pre>
   */
  public static final class EventServiceFutureStub extends io.grpc.stub.AbstractFutureStub<EventServiceFutureStub> {
    private EventServiceFutureStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected EventServiceFutureStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new EventServiceFutureStub(channel, callOptions);
    }

    /**
     * <pre>
     * Starts every enabled trigger whose event_type pattern matches and whose
     * filter is true; answers with what each matching trigger did.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.orchestrator.v1.PublishResponse> publish(
        dev.orchestrator.v1.PublishRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getPublishMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Creates a trigger; INVALID_ARGUMENT names the bad field (workflow_name,
     * event_type, filter, ...), ALREADY_EXISTS for a taken id.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.orchestrator.v1.Trigger> createTrigger(
        dev.orchestrator.v1.CreateTriggerRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getCreateTriggerMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Replaces a trigger's definition (an empty webhook_secret keeps the
     * stored one).
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.orchestrator.v1.Trigger> updateTrigger(
        dev.orchestrator.v1.UpdateTriggerRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getUpdateTriggerMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * One trigger.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.orchestrator.v1.Trigger> getTrigger(
        dev.orchestrator.v1.TriggerId request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getGetTriggerMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Every trigger, by id.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.orchestrator.v1.ListTriggersResponse> listTriggers(
        dev.orchestrator.v1.ListTriggersRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getListTriggersMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Removes a trigger; runs it started go on.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.orchestrator.v1.DeleteTriggerResponse> deleteTrigger(
        dev.orchestrator.v1.TriggerId request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getDeleteTriggerMethod(), getCallOptions()), request);
    }
  }

  private static final int METHODID_PUBLISH = 0;
  private static final int METHODID_CREATE_TRIGGER = 1;
  private static final int METHODID_UPDATE_TRIGGER = 2;
  private static final int METHODID_GET_TRIGGER = 3;
  private static final int METHODID_LIST_TRIGGERS = 4;
  private static final int METHODID_DELETE_TRIGGER = 5;

  private static final class MethodHandlers<Req, Resp> implements
      io.grpc.stub.ServerCalls.UnaryMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.ServerStreamingMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.ClientStreamingMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.BidiStreamingMethod<Req, Resp> {
    private final EventServiceImplBase serviceImpl;
    private final int methodId;

    MethodHandlers(EventServiceImplBase serviceImpl, int methodId) {
      this.serviceImpl = serviceImpl;
      this.methodId = methodId;
    }

    @java.lang.Override
    @java.lang.SuppressWarnings("unchecked")
    public void invoke(Req request, io.grpc.stub.StreamObserver<Resp> responseObserver) {
      switch (methodId) {
        case METHODID_PUBLISH:
          serviceImpl.publish((dev.orchestrator.v1.PublishRequest) request,
              (io.grpc.stub.StreamObserver<dev.orchestrator.v1.PublishResponse>) responseObserver);
          break;
        case METHODID_CREATE_TRIGGER:
          serviceImpl.createTrigger((dev.orchestrator.v1.CreateTriggerRequest) request,
              (io.grpc.stub.StreamObserver<dev.orchestrator.v1.Trigger>) responseObserver);
          break;
        case METHODID_UPDATE_TRIGGER:
          serviceImpl.updateTrigger((dev.orchestrator.v1.UpdateTriggerRequest) request,
              (io.grpc.stub.StreamObserver<dev.orchestrator.v1.Trigger>) responseObserver);
          break;
        case METHODID_GET_TRIGGER:
          serviceImpl.getTrigger((dev.orchestrator.v1.TriggerId) request,
              (io.grpc.stub.StreamObserver<dev.orchestrator.v1.Trigger>) responseObserver);
          break;
        case METHODID_LIST_TRIGGERS:
          serviceImpl.listTriggers((dev.orchestrator.v1.ListTriggersRequest) request,
              (io.grpc.stub.StreamObserver<dev.orchestrator.v1.ListTriggersResponse>) responseObserver);
          break;
        case METHODID_DELETE_TRIGGER:
          serviceImpl.deleteTrigger((dev.orchestrator.v1.TriggerId) request,
              (io.grpc.stub.StreamObserver<dev.orchestrator.v1.DeleteTriggerResponse>) responseObserver);
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

  private static abstract class EventServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoFileDescriptorSupplier, io.grpc.protobuf.ProtoServiceDescriptorSupplier {
    EventServiceBaseDescriptorSupplier() {}

    @java.lang.Override
    public com.google.protobuf.Descriptors.FileDescriptor getFileDescriptor() {
      return dev.orchestrator.v1.EventServiceProto.getDescriptor();
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.ServiceDescriptor getServiceDescriptor() {
      return getFileDescriptor().findServiceByName("EventService");
    }
  }

  private static final class EventServiceFileDescriptorSupplier
      extends EventServiceBaseDescriptorSupplier {
    EventServiceFileDescriptorSupplier() {}
  }

  private static final class EventServiceMethodDescriptorSupplier
      extends EventServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoMethodDescriptorSupplier {
    private final String methodName;

    EventServiceMethodDescriptorSupplier(String methodName) {
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
      synchronized (EventServiceGrpc.class) {
        result = serviceDescriptor;
        if (result == null) {
          serviceDescriptor = result = io.grpc.ServiceDescriptor.newBuilder(SERVICE_NAME)
              .setSchemaDescriptor(new EventServiceFileDescriptorSupplier())
              .addMethod(getPublishMethod())
              .addMethod(getCreateTriggerMethod())
              .addMethod(getUpdateTriggerMethod())
              .addMethod(getGetTriggerMethod())
              .addMethod(getListTriggersMethod())
              .addMethod(getDeleteTriggerMethod())
              .build();
        }
      }
    }
    return result;
  }
}
