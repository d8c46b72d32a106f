package dev.orchestrator.v1;

import static io.grpc.MethodDescriptor.generateFullMethodName;

/**
 * <pre>
 * Stores workflow definitions. Every save is a new immutable version;
 * archiving hides a workflow (soft delete) until it is restored; purging
 * removes every version.
 * </pre>
 */
@javax.annotation.Generated(
    value = "by gRPC proto compiler",
    comments = "Source: orchestrator/v1/workflow_service.proto")
@io.grpc.stub.annotations.GrpcGenerated
public final class WorkflowServiceGrpc {

  private WorkflowServiceGrpc() {}

  public static final String SERVICE_NAME = "orchestrator.v1.WorkflowService";

  // Static method descriptors that strictly reflect the proto.
  private static volatile io.grpc.MethodDescriptor<dev.orchestrator.v1.CreateWorkflowRequest,
      dev.orchestrator.v1.Workflow> getCreateWorkflowMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "CreateWorkflow",
      requestType = dev.orchestrator.v1.CreateWorkflowRequest.class,
      responseType = dev.orchestrator.v1.Workflow.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.orchestrator.v1.CreateWorkflowRequest,
      dev.orchestrator.v1.Workflow> getCreateWorkflowMethod() {
    io.grpc.MethodDescriptor<dev.orchestrator.v1.CreateWorkflowRequest, dev.orchestrator.v1.Workflow> getCreateWorkflowMethod;
    if ((getCreateWorkflowMethod = WorkflowServiceGrpc.getCreateWorkflowMethod) == null) {
      synchronized (WorkflowServiceGrpc.class) {
        if ((getCreateWorkflowMethod = WorkflowServiceGrpc.getCreateWorkflowMethod) == null) {
          WorkflowServiceGrpc.getCreateWorkflowMethod = getCreateWorkflowMethod =
              io.grpc.MethodDescriptor.<dev.orchestrator.v1.CreateWorkflowRequest, dev.orchestrator.v1.Workflow>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "CreateWorkflow"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.orchestrator.v1.CreateWorkflowRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.orchestrator.v1.Workflow.getDefaultInstance()))
              .setSchemaDescriptor(new WorkflowServiceMethodDescriptorSupplier("CreateWorkflow"))
              .build();
        }
      }
    }
    return getCreateWorkflowMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.orchestrator.v1.UpdateWorkflowRequest,
      dev.orchestrator.v1.Workflow> getUpdateWorkflowMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "UpdateWorkflow",
      requestType = dev.orchestrator.v1.UpdateWorkflowRequest.class,
      responseType = dev.orchestrator.v1.Workflow.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.orchestrator.v1.UpdateWorkflowRequest,
      dev.orchestrator.v1.Workflow> getUpdateWorkflowMethod() {
    io.grpc.MethodDescriptor<dev.orchestrator.v1.UpdateWorkflowRequest, dev.orchestrator.v1.Workflow> getUpdateWorkflowMethod;
    if ((getUpdateWorkflowMethod = WorkflowServiceGrpc.getUpdateWorkflowMethod) == null) {
      synchronized (WorkflowServiceGrpc.class) {
        if ((getUpdateWorkflowMethod = WorkflowServiceGrpc.getUpdateWorkflowMethod) == null) {
          WorkflowServiceGrpc.getUpdateWorkflowMethod = getUpdateWorkflowMethod =
              io.grpc.MethodDescriptor.<dev.orchestrator.v1.UpdateWorkflowRequest, dev.orchestrator.v1.Workflow>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "UpdateWorkflow"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.orchestrator.v1.UpdateWorkflowRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.orchestrator.v1.Workflow.getDefaultInstance()))
              .setSchemaDescriptor(new WorkflowServiceMethodDescriptorSupplier("UpdateWorkflow"))
              .build();
        }
      }
    }
    return getUpdateWorkflowMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.orchestrator.v1.GetWorkflowRequest,
      dev.orchestrator.v1.Workflow> getGetWorkflowMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "GetWorkflow",
      requestType = dev.orchestrator.v1.GetWorkflowRequest.class,
      responseType = dev.orchestrator.v1.Workflow.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.orchestrator.v1.GetWorkflowRequest,
      dev.orchestrator.v1.Workflow> getGetWorkflowMethod() {
    io.grpc.MethodDescriptor<dev.orchestrator.v1.GetWorkflowRequest, dev.orchestrator.v1.Workflow> getGetWorkflowMethod;
    if ((getGetWorkflowMethod = WorkflowServiceGrpc.getGetWorkflowMethod) == null) {
      synchronized (WorkflowServiceGrpc.class) {
        if ((getGetWorkflowMethod = WorkflowServiceGrpc.getGetWorkflowMethod) == null) {
          WorkflowServiceGrpc.getGetWorkflowMethod = getGetWorkflowMethod =
              io.grpc.MethodDescriptor.<dev.orchestrator.v1.GetWorkflowRequest, dev.orchestrator.v1.Workflow>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "GetWorkflow"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.orchestrator.v1.GetWorkflowRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.orchestrator.v1.Workflow.getDefaultInstance()))
              .setSchemaDescriptor(new WorkflowServiceMethodDescriptorSupplier("GetWorkflow"))
              .build();
        }
      }
    }
    return getGetWorkflowMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.orchestrator.v1.ListWorkflowsRequest,
      dev.orchestrator.v1.ListWorkflowsResponse> getListWorkflowsMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ListWorkflows",
      requestType = dev.orchestrator.v1.ListWorkflowsRequest.class,
      responseType = dev.orchestrator.v1.ListWorkflowsResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.orchestrator.v1.ListWorkflowsRequest,
      dev.orchestrator.v1.ListWorkflowsResponse> getListWorkflowsMethod() {
    io.grpc.MethodDescriptor<dev.orchestrator.v1.ListWorkflowsRequest, dev.orchestrator.v1.ListWorkflowsResponse> getListWorkflowsMethod;
    if ((getListWorkflowsMethod = WorkflowServiceGrpc.getListWorkflowsMethod) == null) {
      synchronized (WorkflowServiceGrpc.class) {
        if ((getListWorkflowsMethod = WorkflowServiceGrpc.getListWorkflowsMethod) == null) {
          WorkflowServiceGrpc.getListWorkflowsMethod = getListWorkflowsMethod =
              io.grpc.MethodDescriptor.<dev.orchestrator.v1.ListWorkflowsRequest, dev.orchestrator.v1.ListWorkflowsResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ListWorkflows"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.orchestrator.v1.ListWorkflowsRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.orchestrator.v1.ListWorkflowsResponse.getDefaultInstance()))
              .setSchemaDescriptor(new WorkflowServiceMethodDescriptorSupplier("ListWorkflows"))
              .build();
        }
      }
    }
    return getListWorkflowsMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.orchestrator.v1.ListWorkflowVersionsRequest,
      dev.orchestrator.v1.ListWorkflowsResponse> getListWorkflowVersionsMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ListWorkflowVersions",
      requestType = dev.orchestrator.v1.ListWorkflowVersionsRequest.class,
      responseType = dev.orchestrator.v1.ListWorkflowsResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.orchestrator.v1.ListWorkflowVersionsRequest,
      dev.orchestrator.v1.ListWorkflowsResponse> getListWorkflowVersionsMethod() {
    io.grpc.MethodDescriptor<dev.orchestrator.v1.ListWorkflowVersionsRequest, dev.orchestrator.v1.ListWorkflowsResponse> getListWorkflowVersionsMethod;
    if ((getListWorkflowVersionsMethod = WorkflowServiceGrpc.getListWorkflowVersionsMethod) == null) {
      synchronized (WorkflowServiceGrpc.class) {
        if ((getListWorkflowVersionsMethod = WorkflowServiceGrpc.getListWorkflowVersionsMethod) == null) {
          WorkflowServiceGrpc.getListWorkflowVersionsMethod = getListWorkflowVersionsMethod =
              io.grpc.MethodDescriptor.<dev.orchestrator.v1.ListWorkflowVersionsRequest, dev.orchestrator.v1.ListWorkflowsResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ListWorkflowVersions"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.orchestrator.v1.ListWorkflowVersionsRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.orchestrator.v1.ListWorkflowsResponse.getDefaultInstance()))
              .setSchemaDescriptor(new WorkflowServiceMethodDescriptorSupplier("ListWorkflowVersions"))
              .build();
        }
      }
    }
    return getListWorkflowVersionsMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.orchestrator.v1.WorkflowName,
      dev.orchestrator.v1.Workflow> getArchiveWorkflowMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ArchiveWorkflow",
      requestType = dev.orchestrator.v1.WorkflowName.class,
      responseType = dev.orchestrator.v1.Workflow.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.orchestrator.v1.WorkflowName,
      dev.orchestrator.v1.Workflow> getArchiveWorkflowMethod() {
    io.grpc.MethodDescriptor<dev.orchestrator.v1.WorkflowName, dev.orchestrator.v1.Workflow> getArchiveWorkflowMethod;
    if ((getArchiveWorkflowMethod = WorkflowServiceGrpc.getArchiveWorkflowMethod) == null) {
      synchronized (WorkflowServiceGrpc.class) {
        if ((getArchiveWorkflowMethod = WorkflowServiceGrpc.getArchiveWorkflowMethod) == null) {
          WorkflowServiceGrpc.getArchiveWorkflowMethod = getArchiveWorkflowMethod =
              io.grpc.MethodDescriptor.<dev.orchestrator.v1.WorkflowName, dev.orchestrator.v1.Workflow>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ArchiveWorkflow"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.orchestrator.v1.WorkflowName.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.orchestrator.v1.Workflow.getDefaultInstance()))
              .setSchemaDescriptor(new WorkflowServiceMethodDescriptorSupplier("ArchiveWorkflow"))
              .build();
        }
      }
    }
    return getArchiveWorkflowMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.orchestrator.v1.WorkflowName,
      dev.orchestrator.v1.Workflow> getRestoreWorkflowMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "RestoreWorkflow",
      requestType = dev.orchestrator.v1.WorkflowName.class,
      responseType = dev.orchestrator.v1.Workflow.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.orchestrator.v1.WorkflowName,
      dev.orchestrator.v1.Workflow> getRestoreWorkflowMethod() {
    io.grpc.MethodDescriptor<dev.orchestrator.v1.WorkflowName, dev.orchestrator.v1.Workflow> getRestoreWorkflowMethod;
    if ((getRestoreWorkflowMethod = WorkflowServiceGrpc.getRestoreWorkflowMethod) == null) {
      synchronized (WorkflowServiceGrpc.class) {
        if ((getRestoreWorkflowMethod = WorkflowServiceGrpc.getRestoreWorkflowMethod) == null) {
          WorkflowServiceGrpc.getRestoreWorkflowMethod = getRestoreWorkflowMethod =
              io.grpc.MethodDescriptor.<dev.orchestrator.v1.WorkflowName, dev.orchestrator.v1.Workflow>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "RestoreWorkflow"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.orchestrator.v1.WorkflowName.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.orchestrator.v1.Workflow.getDefaultInstance()))
              .setSchemaDescriptor(new WorkflowServiceMethodDescriptorSupplier("RestoreWorkflow"))
              .build();
        }
      }
    }
    return getRestoreWorkflowMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.orchestrator.v1.WorkflowName,
      dev.orchestrator.v1.PurgeWorkflowResponse> getPurgeWorkflowMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "PurgeWorkflow",
      requestType = dev.orchestrator.v1.WorkflowName.class,
      responseType = dev.orchestrator.v1.PurgeWorkflowResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.orchestrator.v1.WorkflowName,
      dev.orchestrator.v1.PurgeWorkflowResponse> getPurgeWorkflowMethod() {
    io.grpc.MethodDescriptor<dev.orchestrator.v1.WorkflowName, dev.orchestrator.v1.PurgeWorkflowResponse> getPurgeWorkflowMethod;
    if ((getPurgeWorkflowMethod = WorkflowServiceGrpc.getPurgeWorkflowMethod) == null) {
      synchronized (WorkflowServiceGrpc.class) {
        if ((getPurgeWorkflowMethod = WorkflowServiceGrpc.getPurgeWorkflowMethod) == null) {
          WorkflowServiceGrpc.getPurgeWorkflowMethod = getPurgeWorkflowMethod =
              io.grpc.MethodDescriptor.<dev.orchestrator.v1.WorkflowName, dev.orchestrator.v1.PurgeWorkflowResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "PurgeWorkflow"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.orchestrator.v1.WorkflowName.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.orchestrator.v1.PurgeWorkflowResponse.getDefaultInstance()))
              .setSchemaDescriptor(new WorkflowServiceMethodDescriptorSupplier("PurgeWorkflow"))
              .build();
        }
      }
    }
    return getPurgeWorkflowMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.orchestrator.v1.ValidateWorkflowRequest,
      dev.orchestrator.v1.ValidateWorkflowResponse> getValidateWorkflowMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ValidateWorkflow",
      requestType = dev.orchestrator.v1.ValidateWorkflowRequest.class,
      responseType = dev.orchestrator.v1.ValidateWorkflowResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.orchestrator.v1.ValidateWorkflowRequest,
      dev.orchestrator.v1.ValidateWorkflowResponse> getValidateWorkflowMethod() {
    io.grpc.MethodDescriptor<dev.orchestrator.v1.ValidateWorkflowRequest, dev.orchestrator.v1.ValidateWorkflowResponse> getValidateWorkflowMethod;
    if ((getValidateWorkflowMethod = WorkflowServiceGrpc.getValidateWorkflowMethod) == null) {
      synchronized (WorkflowServiceGrpc.class) {
        if ((getValidateWorkflowMethod = WorkflowServiceGrpc.getValidateWorkflowMethod) == null) {
          WorkflowServiceGrpc.getValidateWorkflowMethod = getValidateWorkflowMethod =
              io.grpc.MethodDescriptor.<dev.orchestrator.v1.ValidateWorkflowRequest, dev.orchestrator.v1.ValidateWorkflowResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ValidateWorkflow"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.orchestrator.v1.ValidateWorkflowRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.orchestrator.v1.ValidateWorkflowResponse.getDefaultInstance()))
              .setSchemaDescriptor(new WorkflowServiceMethodDescriptorSupplier("ValidateWorkflow"))
              .build();
        }
      }
    }
    return getValidateWorkflowMethod;
  }

  /**
   * Creates a new async stub that supports all call types for the service
   */
  public static WorkflowServiceStub newStub(io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<WorkflowServiceStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<WorkflowServiceStub>() {
        @java.lang.Override
        public WorkflowServiceStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new WorkflowServiceStub(channel, callOptions);
        }
      };
    return WorkflowServiceStub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports unary and streaming output calls on the service
   */
  public static WorkflowServiceBlockingStub newBlockingStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<WorkflowServiceBlockingStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<WorkflowServiceBlockingStub>() {
        @java.lang.Override
        public WorkflowServiceBlockingStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new WorkflowServiceBlockingStub(channel, callOptions);
        }
      };
    return WorkflowServiceBlockingStub.newStub(factory, channel);
  }

  /**
   * Creates a new ListenableFuture-style stub that supports unary calls on the service
   */
  public static WorkflowServiceFutureStub newFutureStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<WorkflowServiceFutureStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<WorkflowServiceFutureStub>() {
        @java.lang.Override
        public WorkflowServiceFutureStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new WorkflowServiceFutureStub(channel, callOptions);
        }
      };
    return WorkflowServiceFutureStub.newStub(factory, channel);
  }

  /**
   * <pre>
   * Stores workflow definitions. Every save is a new immutable version;
   * archiving hides a workflow (soft delete) until it is restored; purging
   * removes every version.
   * </pre>
   */
  public static abstract class WorkflowServiceImplBase implements io.grpc.BindableService {

    /**
     * <pre>
     * Checks and stores a new workflow (version 1). ALREADY_EXISTS when the
     * name is taken; INVALID_ARGUMENT lists every problem of the definition.
     * </pre>
     */
    public void createWorkflow(dev.orchestrator.v1.CreateWorkflowRequest request,
        io.grpc.stub.StreamObserver<dev.orchestrator.v1.Workflow> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getCreateWorkflowMethod(), responseObserver);
    }

    /**
     * <pre>
     * Stores a new version of an existing workflow. NOT_FOUND for an unknown
     * name; FAILED_PRECONDITION while it is archived.
     * </pre>
     */
    public void updateWorkflow(dev.orchestrator.v1.UpdateWorkflowRequest request,
        io.grpc.stub.StreamObserver<dev.orchestrator.v1.Workflow> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getUpdateWorkflowMethod(), responseObserver);
    }

    /**
     * <pre>
     * One version of a workflow (the latest when version is 0).
     * </pre>
     */
    public void getWorkflow(dev.orchestrator.v1.GetWorkflowRequest request,
        io.grpc.stub.StreamObserver<dev.orchestrator.v1.Workflow> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getGetWorkflowMethod(), responseObserver);
    }

    /**
     * <pre>
     * The latest version of each workflow, by name.
     * </pre>
     */
    public void listWorkflows(dev.orchestrator.v1.ListWorkflowsRequest request,
        io.grpc.stub.StreamObserver<dev.orchestrator.v1.ListWorkflowsResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getListWorkflowsMethod(), responseObserver);
    }

    /**
     * <pre>
     * Every version of one workflow, oldest first.
     * </pre>
     */
    public void listWorkflowVersions(dev.orchestrator.v1.ListWorkflowVersionsRequest request,
        io.grpc.stub.StreamObserver<dev.orchestrator.v1.ListWorkflowsResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getListWorkflowVersionsMethod(), responseObserver);
    }

    /**
     * <pre>
     * Soft-deletes a workflow: kept, not listed, not runnable.
     * </pre>
     */
    public void archiveWorkflow(dev.orchestrator.v1.WorkflowName request,
        io.grpc.stub.StreamObserver<dev.orchestrator.v1.Workflow> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getArchiveWorkflowMethod(), responseObserver);
    }

    /**
     * <pre>
     * Undoes ArchiveWorkflow.
     * </pre>
     */
    public void restoreWorkflow(dev.orchestrator.v1.WorkflowName request,
        io.grpc.stub.StreamObserver<dev.orchestrator.v1.Workflow> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getRestoreWorkflowMethod(), responseObserver);
    }

    /**
     * <pre>
     * Removes every version of a workflow for good. Its executions stay.
     * </pre>
     */
    public void purgeWorkflow(dev.orchestrator.v1.WorkflowName request,
        io.grpc.stub.StreamObserver<dev.orchestrator.v1.PurgeWorkflowResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getPurgeWorkflowMethod(), responseObserver);
    }

    /**
     * <pre>
     * Checks a definition without storing it; the problems are in the reply
     * (the call itself succeeds).
     * </pre>
     */
    public void validateWorkflow(dev.orchestrator.v1.ValidateWorkflowRequest request,
        io.grpc.stub.StreamObserver<dev.orchestrator.v1.ValidateWorkflowResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getValidateWorkflowMethod(), responseObserver);
    }

    @java.lang.Override public final io.grpc.ServerServiceDefinition bindService() {
      return io.grpc.ServerServiceDefinition.builder(getServiceDescriptor())
          .addMethod(
            getCreateWorkflowMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                dev.orchestrator.v1.CreateWorkflowRequest,
                dev.orchestrator.v1.Workflow>(
                  this, METHODID_CREATE_WORKFLOW)))
          .addMethod(
            getUpdateWorkflowMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                dev.orchestrator.v1.UpdateWorkflowRequest,
                dev.orchestrator.v1.Workflow>(
                  this, METHODID_UPDATE_WORKFLOW)))
          .addMethod(
            getGetWorkflowMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                dev.orchestrator.v1.GetWorkflowRequest,
                dev.orchestrator.v1.Workflow>(
                  this, METHODID_GET_WORKFLOW)))
          .addMethod(
            getListWorkflowsMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                dev.orchestrator.v1.ListWorkflowsRequest,
                dev.orchestrator.v1.ListWorkflowsResponse>(
                  this, METHODID_LIST_WORKFLOWS)))
          .addMethod(
            getListWorkflowVersionsMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                dev.orchestrator.v1.ListWorkflowVersionsRequest,
                dev.orchestrator.v1.ListWorkflowsResponse>(
                  this, METHODID_LIST_WORKFLOW_VERSIONS)))
          .addMethod(
            getArchiveWorkflowMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                dev.orchestrator.v1.WorkflowName,
                dev.orchestrator.v1.Workflow>(
                  this, METHODID_ARCHIVE_WORKFLOW)))
          .addMethod(
            getRestoreWorkflowMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                dev.orchestrator.v1.WorkflowName,
                dev.orchestrator.v1.Workflow>(
                  this, METHODID_RESTORE_WORKFLOW)))
          .addMethod(
            getPurgeWorkflowMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                dev.orchestrator.v1.WorkflowName,
                dev.orchestrator.v1.PurgeWorkflowResponse>(
                  this, METHODID_PURGE_WORKFLOW)))
          .addMethod(
            getValidateWorkflowMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                dev.orchestrator.v1.ValidateWorkflowRequest,
                dev.orchestrator.v1.ValidateWorkflowResponse>(
                  this, METHODID_VALIDATE_WORKFLOW)))
          .build();
    }
  }

  /**
   * <pre>
   * Stores workflow definitions. Every save is a new immutable version;
   * archiving hides a workflow (soft delete) until it is restored; purging
   * removes every version.
   * </pre>
   */
  public static final class WorkflowServiceStub extends io.grpc.stub.AbstractAsyncStub<WorkflowServiceStub> {
    private WorkflowServiceStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected WorkflowServiceStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new WorkflowServiceStub(channel, callOptions);
    }

    /**
     * <pre>
     * Checks and stores a new workflow (version 1). ALREADY_EXISTS when the
     * name is taken; INVALID_ARGUMENT lists every problem of the definition.
     * </pre>
     */
    public void createWorkflow(dev.orchestrator.v1.CreateWorkflowRequest request,
        io.grpc.stub.StreamObserver<dev.orchestrator.v1.Workflow> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getCreateWorkflowMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Stores a new version of an existing workflow. NOT_FOUND for an unknown
     * name; FAILED_PRECONDITION while it is archived.
     * </pre>
     */
    public void updateWorkflow(dev.orchestrator.v1.UpdateWorkflowRequest request,
        io.grpc.stub.StreamObserver<dev.orchestrator.v1.Workflow> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getUpdateWorkflowMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * One version of a workflow (the latest when version is 0).
     * </pre>
     */
    public void getWorkflow(dev.orchestrator.v1.GetWorkflowRequest request,
        io.grpc.stub.StreamObserver<dev.orchestrator.v1.Workflow> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getGetWorkflowMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * The latest version of each workflow, by name.
     * </pre>
     */
    public void listWorkflows(dev.orchestrator.v1.ListWorkflowsRequest request,
        io.grpc.stub.StreamObserver<dev.orchestrator.v1.ListWorkflowsResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getListWorkflowsMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Every version of one workflow, oldest first.
     * </pre>
     */
    public void listWorkflowVersions(dev.orchestrator.v1.ListWorkflowVersionsRequest request,
        io.grpc.stub.StreamObserver<dev.orchestrator.v1.ListWorkflowsResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getListWorkflowVersionsMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Soft-deletes a workflow: kept, not listed, not runnable.
     * </pre>
     */
    public void archiveWorkflow(dev.orchestrator.v1.WorkflowName request,
        io.grpc.stub.StreamObserver<dev.orchestrator.v1.Workflow> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getArchiveWorkflowMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Undoes ArchiveWorkflow.
     * </pre>
     */
    public void restoreWorkflow(dev.orchestrator.v1.WorkflowName request,
        io.grpc.stub.StreamObserver<dev.orchestrator.v1.Workflow> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getRestoreWorkflowMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Removes every version of a workflow for good. Its executions stay.
     * </pre>
     */
    public void purgeWorkflow(dev.orchestrator.v1.WorkflowName request,
        io.grpc.stub.StreamObserver<dev.orchestrator.v1.PurgeWorkflowResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getPurgeWorkflowMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Checks a definition without storing it; the problems are in the reply
     * (the call itself succeeds).
     * </pre>
     */
    public void validateWorkflow(dev.orchestrator.v1.ValidateWorkflowRequest request,
        io.grpc.stub.StreamObserver<dev.orchestrator.v1.ValidateWorkflowResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getValidateWorkflowMethod(), getCallOptions()), request, responseObserver);
    }
  }

  /**
   * <pre>
   * Stores workflow definitions. Every save is a new immutable version;
   * archiving hides a workflow (soft delete) until it is restored; purging
   * removes every version.
   * </pre>
   */
  public static final class WorkflowServiceBlockingStub extends io.grpc.stub.AbstractBlockingStub<WorkflowServiceBlockingStub> {
    private WorkflowServiceBlockingStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected WorkflowServiceBlockingStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new WorkflowServiceBlockingStub(channel, callOptions);
    }

    /**
     * <pre>
     * Checks and stores a new workflow (version 1). ALREADY_EXISTS when the
     * name is taken; INVALID_ARGUMENT lists every problem of the definition.
     * </pre>
     */
    public dev.orchestrator.v1.Workflow createWorkflow(dev.orchestrator.v1.CreateWorkflowRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getCreateWorkflowMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Stores a new version of an existing workflow. NOT_FOUND for an unknown
     * name; FAILED_PRECONDITION while it is archived.
     * </pre>
     */
    public dev.orchestrator.v1.Workflow updateWorkflow(dev.orchestrator.v1.UpdateWorkflowRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getUpdateWorkflowMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * One version of a workflow (the latest when version is 0).
     * </pre>
     */
    public dev.orchestrator.v1.Workflow getWorkflow(dev.orchestrator.v1.GetWorkflowRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getGetWorkflowMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * The latest version of each workflow, by name.
     * </pre>
     */
    public dev.orchestrator.v1.ListWorkflowsResponse listWorkflows(dev.orchestrator.v1.ListWorkflowsRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getListWorkflowsMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Every version of one workflow, oldest first.
     * </pre>
     */
    public dev.orchestrator.v1.ListWorkflowsResponse listWorkflowVersions(dev.orchestrator.v1.ListWorkflowVersionsRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getListWorkflowVersionsMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Soft-deletes a workflow: kept, not listed, not runnable.
     * </pre>
     */
    public dev.orchestrator.v1.Workflow archiveWorkflow(dev.orchestrator.v1.WorkflowName request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getArchiveWorkflowMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Undoes ArchiveWorkflow.
     * </pre>
     */
    public dev.orchestrator.v1.Workflow restoreWorkflow(dev.orchestrator.v1.WorkflowName request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getRestoreWorkflowMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Removes every version of a workflow for good. Its executions stay.
     * </pre>
     */
    public dev.orchestrator.v1.PurgeWorkflowResponse purgeWorkflow(dev.orchestrator.v1.WorkflowName request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getPurgeWorkflowMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Checks a definition without storing it; the problems are in the reply
     * (the call itself succeeds).
     * </pre>
     */
    public dev.orchestrator.v1.ValidateWorkflowResponse validateWorkflow(dev.orchestrator.v1.ValidateWorkflowRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getValidateWorkflowMethod(), getCallOptions(), request);
    }
  }

  /**
   * <pre>
   * Stores workflow definitions. Every save is a new immutable version;
   * archiving hides a workflow (soft delete) until it is restored; purging
   * removes every version.
   * </pre>
   */
  public static final class WorkflowServiceFutureStub extends io.grpc.stub.AbstractFutureStub<WorkflowServiceFutureStub> {
    private WorkflowServiceFutureStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected WorkflowServiceFutureStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new WorkflowServiceFutureStub(channel, callOptions);
    }

    /**
     * <pre>
     * Checks and stores a new workflow (version 1). ALREADY_EXISTS when the
     * name is taken; INVALID_ARGUMENT lists every problem of the definition.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.orchestrator.v1.Workflow> createWorkflow(
        dev.orchestrator.v1.CreateWorkflowRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getCreateWorkflowMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Stores a new version of an existing workflow. NOT_FOUND for an unknown
     * name; FAILED_PRECONDITION while it is archived.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.orchestrator.v1.Workflow> updateWorkflow(
        dev.orchestrator.v1.UpdateWorkflowRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getUpdateWorkflowMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * One version of a workflow (the latest when version is 0).
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.orchestrator.v1.Workflow> getWorkflow(
        dev.orchestrator.v1.GetWorkflowRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getGetWorkflowMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * The latest version of each workflow, by name.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.orchestrator.v1.ListWorkflowsResponse> listWorkflows(
        dev.orchestrator.v1.ListWorkflowsRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getListWorkflowsMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Every version of one workflow, oldest first.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.orchestrator.v1.ListWorkflowsResponse> listWorkflowVersions(
        dev.orchestrator.v1.ListWorkflowVersionsRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getListWorkflowVersionsMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Soft-deletes a workflow: kept, not listed, not runnable.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.orchestrator.v1.Workflow> archiveWorkflow(
        dev.orchestrator.v1.WorkflowName request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getArchiveWorkflowMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Undoes ArchiveWorkflow.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.orchestrator.v1.Workflow> restoreWorkflow(
        dev.orchestrator.v1.WorkflowName request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getRestoreWorkflowMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Removes every version of a workflow for good. Its executions stay.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.orchestrator.v1.PurgeWorkflowResponse> purgeWorkflow(
        dev.orchestrator.v1.WorkflowName request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getPurgeWorkflowMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Checks a definition without storing it; the problems are in the reply
     * (the call itself succeeds).
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.orchestrator.v1.ValidateWorkflowResponse> validateWorkflow(
        dev.orchestrator.v1.ValidateWorkflowRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getValidateWorkflowMethod(), getCallOptions()), request);
    }
  }

  private static final int METHODID_CREATE_WORKFLOW = 0;
  private static final int METHODID_UPDATE_WORKFLOW = 1;
  private static final int METHODID_GET_WORKFLOW = 2;
  private static final int METHODID_LIST_WORKFLOWS = 3;
  private static final int METHODID_LIST_WORKFLOW_VERSIONS = 4;
  private static final int METHODID_ARCHIVE_WORKFLOW = 5;
  private static final int METHODID_RESTORE_WORKFLOW = 6;
  private static final int METHODID_PURGE_WORKFLOW = 7;
  private static final int METHODID_VALIDATE_WORKFLOW = 8;

  private static final class MethodHandlers<Req, Resp> implements
      io.grpc.stub.ServerCalls.UnaryMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.ServerStreamingMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.ClientStreamingMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.BidiStreamingMethod<Req, Resp> {
    private final WorkflowServiceImplBase serviceImpl;
    private final int methodId;

    MethodHandlers(WorkflowServiceImplBase serviceImpl, int methodId) {
      this.serviceImpl = serviceImpl;
      this.methodId = methodId;
    }

    @java.lang.Override
    @java.lang.SuppressWarnings("unchecked")
    public void invoke(Req request, io.grpc.stub.StreamObserver<Resp> responseObserver) {
      switch (methodId) {
        case METHODID_CREATE_WORKFLOW:
          serviceImpl.createWorkflow((dev.orchestrator.v1.CreateWorkflowRequest) request,
              (io.grpc.stub.StreamObserver<dev.orchestrator.v1.Workflow>) responseObserver);
          break;
        case METHODID_UPDATE_WORKFLOW:
          serviceImpl.updateWorkflow((dev.orchestrator.v1.UpdateWorkflowRequest) request,
              (io.grpc.stub.StreamObserver<dev.orchestrator.v1.Workflow>) responseObserver);
          break;
        case METHODID_GET_WORKFLOW:
          serviceImpl.getWorkflow((dev.orchestrator.v1.GetWorkflowRequest) request,
              (io.grpc.stub.StreamObserver<dev.orchestrator.v1.Workflow>) responseObserver);
          break;
        case METHODID_LIST_WORKFLOWS:
          serviceImpl.listWorkflows((dev.orchestrator.v1.ListWorkflowsRequest) request,
              (io.grpc.stub.StreamObserver<dev.orchestrator.v1.ListWorkflowsResponse>) responseObserver);
          break;
        case METHODID_LIST_WORKFLOW_VERSIONS:
          serviceImpl.listWorkflowVersions((dev.orchestrator.v1.ListWorkflowVersionsRequest) request,
              (io.grpc.stub.StreamObserver<dev.orchestrator.v1.ListWorkflowsResponse>) responseObserver);
          break;
        case METHODID_ARCHIVE_WORKFLOW:
          serviceImpl.archiveWorkflow((dev.orchestrator.v1.WorkflowName) request,
              (io.grpc.stub.StreamObserver<dev.orchestrator.v1.Workflow>) responseObserver);
          break;
        case METHODID_RESTORE_WORKFLOW:
          serviceImpl.restoreWorkflow((dev.orchestrator.v1.WorkflowName) request,
              (io.grpc.stub.StreamObserver<dev.orchestrator.v1.Workflow>) responseObserver);
          break;
        case METHODID_PURGE_WORKFLOW:
          serviceImpl.purgeWorkflow((dev.orchestrator.v1.WorkflowName) request,
              (io.grpc.stub.StreamObserver<dev.orchestrator.v1.PurgeWorkflowResponse>) responseObserver);
          break;
        case METHODID_VALIDATE_WORKFLOW:
          serviceImpl.validateWorkflow((dev.orchestrator.v1.ValidateWorkflowRequest) request,
              (io.grpc.stub.StreamObserver<dev.orchestrator.v1.ValidateWorkflowResponse>) responseObserver);
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

  private static abstract class WorkflowServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoFileDescriptorSupplier, io.grpc.protobuf.ProtoServiceDescriptorSupplier {
    WorkflowServiceBaseDescriptorSupplier() {}

    @java.lang.Override
    public com.google.protobuf.Descriptors.FileDescriptor getFileDescriptor() {
      return dev.orchestrator.v1.WorkflowServiceProto.getDescriptor();
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.ServiceDescriptor getServiceDescriptor() {
      return getFileDescriptor().findServiceByName("WorkflowService");
    }
  }

  private static final class WorkflowServiceFileDescriptorSupplier
      extends WorkflowServiceBaseDescriptorSupplier {
    WorkflowServiceFileDescriptorSupplier() {}
  }

  private static final class WorkflowServiceMethodDescriptorSupplier
      extends WorkflowServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoMethodDescriptorSupplier {
    private final String methodName;

    WorkflowServiceMethodDescriptorSupplier(String methodName) {
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
      synchronized (WorkflowServiceGrpc.class) {
        result = serviceDescriptor;
        if (result == null) {
          serviceDescriptor = result = io.grpc.ServiceDescriptor.newBuilder(SERVICE_NAME)
              .setSchemaDescriptor(new WorkflowServiceFileDescriptorSupplier())
              .addMethod(getCreateWorkflowMethod())
              .addMethod(getUpdateWorkflowMethod())
              .addMethod(getGetWorkflowMethod())
              .addMethod(getListWorkflowsMethod())
              .addMethod(getListWorkflowVersionsMethod())
              .addMethod(getArchiveWorkflowMethod())
              .addMethod(getRestoreWorkflowMethod())
              .addMethod(getPurgeWorkflowMethod())
              .addMethod(getValidateWorkflowMethod())
              .build();
        }
      }
    }
    return result;
  }
}
