//! Compiles `proto/` into Rust messages (prost), gRPC clients and servers
//! (tonic) and proto3 JSON support (pbjson), and writes the file-descriptor
//! set that server reflection serves.

use std::path::PathBuf;

const PROTOS: &[&str] = &[
    "proto/orchestrator/v1/workflow.proto",
    "proto/orchestrator/v1/execution.proto",
    "proto/orchestrator/v1/storage.proto",
    "proto/orchestrator/v1/schedule.proto",
    "proto/orchestrator/v1/trigger.proto",
    "proto/orchestrator/v1/workflow_service.proto",
    "proto/orchestrator/v1/execution_service.proto",
    "proto/orchestrator/v1/admin_service.proto",
    "proto/orchestrator/v1/schedule_service.proto",
    "proto/orchestrator/v1/event_service.proto",
    "proto/orchestrator/v1/approval_service.proto",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=proto");
    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);
    let descriptor_path = out_dir.join("orchestrator_descriptor.bin");
    // The vendored protoc and its well-known types mean nothing needs installing.
    let mut config = prost_build::Config::new();
    config.protoc_executable(protoc_bin_vendored::protoc_bin_path()?);
    let protos: Vec<PathBuf> = PROTOS.iter().map(PathBuf::from).collect();
    let includes = [PathBuf::from("proto"), protoc_bin_vendored::include_path()?];

    tonic_prost_build::configure()
        .file_descriptor_set_path(&descriptor_path)
        .compile_well_known_types(true)
        .extern_path(".google.protobuf", "::pbjson_types")
        .compile_with_config(config, &protos, &includes)?;

    let descriptors = std::fs::read(&descriptor_path)?;
    pbjson_build::Builder::new()
        .register_descriptors(&descriptors)?
        .preserve_proto_field_names()
        .build(&[".orchestrator"])?;
    Ok(())
}
