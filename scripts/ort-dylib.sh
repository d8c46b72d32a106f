#!/usr/bin/env bash
# Prints the path of the ONNX Runtime library in the PyPI onnxruntime package
# (installed by scripts/setup.sh), for ORT_DYLIB_PATH.
set -euo pipefail
python3 - <<'PY'
import glob, os, sys
try:
    import onnxruntime
except ImportError:
    sys.exit("onnxruntime is not installed: run scripts/setup.sh")
found = sorted(glob.glob(os.path.join(os.path.dirname(onnxruntime.__file__), "capi", "libonnxruntime.so*")))
if not found:
    sys.exit("no libonnxruntime.so in the onnxruntime package")
print(found[0])
PY
