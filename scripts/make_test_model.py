#!/usr/bin/env python3
"""Writes the small real ONNX model the model plugin's tests and the
example playbook use: models/threat_scoring_v2/1/model.onnx, a logistic
regression threat scorer over three features,

    risk = sigmoid(features . [3, 2, 4] - 4)

with a dynamic batch dimension, and its metadata model.json. Needs the
PyPI package `onnx` (scripts/setup.sh installs it); the committed files
are what it wrote, so the tests do not run it.
"""
import json
import os
import sys

import onnx
from onnx import TensorProto, helper

WEIGHTS = [[3.0], [2.0], [4.0]]
BIAS = [-4.0]


def main(root):
    out = os.path.join(root, "threat_scoring_v2", "1")
    os.makedirs(out, exist_ok=True)
    graph = helper.make_graph(
        [
            helper.make_node("MatMul", ["features", "weights"], ["logit_raw"]),
            helper.make_node("Add", ["logit_raw", "bias"], ["logit"]),
            helper.make_node("Sigmoid", ["logit"], ["risk"]),
        ],
        "threat_scoring_v2",
        [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["batch", 3])],
        [
            helper.make_tensor_value_info("risk", TensorProto.FLOAT, ["batch", 1]),
            helper.make_tensor_value_info("logit", TensorProto.FLOAT, ["batch", 1]),
        ],
        [
            helper.make_tensor("weights", TensorProto.FLOAT, [3, 1], [w[0] for w in WEIGHTS]),
            helper.make_tensor("bias", TensorProto.FLOAT, [1], BIAS),
        ],
    )
    # Opset 13 and IR 8: loadable by every ONNX Runtime from 1.10 on.
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(out, "model.onnx"))
    meta = {
        "description": "Logistic-regression threat scorer over [reputation, velocity, spread]",
        "inputs": {"features": {"type": "float32", "shape": [-1, 3]}},
        "outputs": {
            "risk": {"type": "float32", "shape": [-1, 1]},
            "logit": {"type": "float32", "shape": [-1, 1]},
        },
        "labels": ["benign", "malicious"],
        "score_output": "risk",
    }
    with open(os.path.join(out, "model.json"), "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")
    print(out)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "models")
