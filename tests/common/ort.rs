//! Where the ONNX Runtime library is, for tests and benchmarks.

/// The ONNX Runtime library for model tests: `ORT_DYLIB_PATH`, or the one in
/// the PyPI `onnxruntime` package that scripts/setup.sh installs.
pub fn ort_dylib() -> std::path::PathBuf {
    if let Some(p) = std::env::var_os("ORT_DYLIB_PATH") {
        return p.into();
    }
    let out = std::process::Command::new("bash")
        .arg("scripts/ort-dylib.sh")
        .output()
        .expect("bash runs scripts/ort-dylib.sh");
    assert!(
        out.status.success(),
        "no ONNX Runtime: run scripts/setup.sh ({})",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().into()
}
