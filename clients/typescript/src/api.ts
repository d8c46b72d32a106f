/**
 * The generated messages, enums and service descriptors of
 * orchestrator.v1 (src/gen/, made by generate.sh from ../../proto).
 * @module
 */
export * from "./gen/orchestrator/v1/admin_service_pb.js";
export * from "./gen/orchestrator/v1/approval_service_pb.js";
export * from "./gen/orchestrator/v1/event_service_pb.js";
export * from "./gen/orchestrator/v1/execution_pb.js";
export * from "./gen/orchestrator/v1/execution_service_pb.js";
export * from "./gen/orchestrator/v1/schedule_pb.js";
export * from "./gen/orchestrator/v1/schedule_service_pb.js";
export * from "./gen/orchestrator/v1/storage_pb.js";
export * from "./gen/orchestrator/v1/trigger_pb.js";
export * from "./gen/orchestrator/v1/workflow_pb.js";
export * from "./gen/orchestrator/v1/workflow_service_pb.js";
