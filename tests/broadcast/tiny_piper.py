"""A tiny Piper-shaped voice built here (no download): the real Piper code loads it, phonemises Vietnamese with its
espeak-ng, maps phonemes to ids with the standard map, and runs it in onnxruntime.

The "voice" turns each phoneme id into 256 samples of a tone whose pitch follows the id, the shape of a VITS voice's
interface: inputs ``input`` [1, N] int64, ``input_lengths`` [1], ``scales`` [3]; output [1, 1, N·256] float32.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from piper.phoneme_ids import DEFAULT_PHONEME_ID_MAP

HOP = 256
SAMPLE_RATE = 16000


def build_voice(directory: Path, name: str = "vi_VN-tiny-test") -> Path:
    constants = {
        "step": np.array([2 * np.pi * 4.0 / SAMPLE_RATE], dtype=np.float32),
        "base": np.array([2 * np.pi * 150.0 / SAMPLE_RATE], dtype=np.float32),
        "repeats": np.array([1, 1, HOP], dtype=np.int64),
        "shape": np.array([1, 1, -1], dtype=np.int64),
        "axis": np.array(2, dtype=np.int64),
        "gain": np.array([0.5], dtype=np.float32),
        "unsqueeze_axes": np.array([2], dtype=np.int64),
    }
    nodes = [
        helper.make_node("Cast", ["input"], ["ids"], to=TensorProto.FLOAT),
        helper.make_node("Mul", ["ids", "step"], ["scaled"]),
        helper.make_node("Add", ["scaled", "base"], ["increment"]),
        helper.make_node("Unsqueeze", ["increment", "unsqueeze_axes"], ["column"]),
        helper.make_node("Tile", ["column", "repeats"], ["tiled"]),
        helper.make_node("Reshape", ["tiled", "shape"], ["flat"]),
        helper.make_node("CumSum", ["flat", "axis"], ["phase"]),
        helper.make_node("Sin", ["phase"], ["wave"]),
        helper.make_node("Mul", ["wave", "gain"], ["output"]),
    ]
    graph = helper.make_graph(
        nodes,
        "tiny_piper",
        inputs=[
            helper.make_tensor_value_info("input", TensorProto.INT64, [1, "n"]),
            helper.make_tensor_value_info("input_lengths", TensorProto.INT64, [1]),
            helper.make_tensor_value_info("scales", TensorProto.FLOAT, [3]),
        ],
        outputs=[helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 1, "t"])],
        initializer=[numpy_helper.from_array(value, name) for name, value in constants.items()],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    path = directory / f"{name}.onnx"
    onnx.save(model, str(path))
    config = {
        "audio": {"sample_rate": SAMPLE_RATE},
        "espeak": {"voice": "vi"},
        "phoneme_type": "espeak",
        "num_symbols": max(i for ids in DEFAULT_PHONEME_ID_MAP.values() for i in ids) + 1,
        "num_speakers": 1,
        "phoneme_id_map": DEFAULT_PHONEME_ID_MAP,
        "inference": {"noise_scale": 0.667, "length_scale": 1, "noise_w": 0.8},
    }
    Path(f"{path}.json").write_text(json.dumps(config, ensure_ascii=False), encoding="utf-8")
    return path
