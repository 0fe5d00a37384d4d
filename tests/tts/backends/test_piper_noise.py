"""Seeded VITS noise (tts/backends/piper_noise.py) on tiny ONNX graphs built in code."""

import numpy as np
import onnx
import onnxruntime
import pytest
from onnx import TensorProto, helper

from tts.backends import piper_noise
from tts.backends.piper_noise import SeededSession, replace_random_normal
from tts.errors import SpeechError


def _graph(op: str = "RandomNormalLike", **attrs) -> onnx.ModelProto:
    """input (float, n) -> noise shaped (2, n) like Concat(input, input) reshaped."""
    nodes = [helper.make_node("Unsqueeze", ["input", "axes"], ["row"]),
             helper.make_node("Concat", ["row", "row"], ["twice"], axis=0),
             helper.make_node(op, ["twice"], ["noise"], **attrs)]
    graph = helper.make_graph(nodes, "tiny", [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["n"])],
                              [helper.make_tensor_value_info("noise", TensorProto.FLOAT, [2, "n"])],
                              initializer=[helper.make_tensor("axes", TensorProto.INT64, [1], [0])])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 15)], ir_version=8)


def _session(model: onnx.ModelProto) -> onnxruntime.InferenceSession:
    return onnxruntime.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])


def test_onnx_runtime_draws_new_noise_on_every_run():
    """The problem: one session, the same input, two runs, two different draws."""
    session = _session(_graph(dtype=TensorProto.FLOAT))
    feeds = {"input": np.zeros(50, np.float32)}
    assert not np.array_equal(session.run(None, feeds)[0], session.run(None, feeds)[0])


def test_seeded_noise_is_the_same_on_every_run_and_is_the_seeded_draw():
    model = _graph(dtype=TensorProto.FLOAT, mean=1.0, scale=0.5)
    noises = replace_random_normal(model)
    assert [n.name for n in noises] == ["polydub_noise_0"] and not any(n.op_type.startswith("Random") for n in model.graph.node)
    seeded = SeededSession(_session(model), noises, seed=3)
    feeds = {"input": np.zeros(50, np.float32)}
    first, second = seeded.run(None, feeds)[0], seeded.run(None, feeds)[0]
    assert first.shape == (2, 50) and first.dtype == np.float32
    np.testing.assert_array_equal(first, second)
    expected = 1.0 + 0.5 * np.random.default_rng((3, 0)).standard_normal(100)
    np.testing.assert_allclose(first.ravel(), expected, rtol=1e-6)
    other = SeededSession(_session(model), noises, seed=4).run(None, feeds)[0]
    assert not np.array_equal(first, other)


def test_a_short_buffer_is_redrawn_longer_with_the_same_values(monkeypatch):
    model = _graph(dtype=TensorProto.FLOAT)
    noises = replace_random_normal(model)
    feeds = {"input": np.zeros(40, np.float32)}
    full = SeededSession(_session(model), noises, seed=0).run(None, feeds)[0]
    monkeypatch.setattr(piper_noise, "VALUES_PER_ID", 1)  # 40 values for the 80 the graph needs
    np.testing.assert_array_equal(SeededSession(_session(model), noises, seed=0).run(None, feeds)[0], full)
    monkeypatch.setattr(piper_noise, "RETRIES", 0)
    with pytest.raises(SpeechError, match="noise values") as caught:
        SeededSession(_session(model), noises, seed=0).run(None, feeds)
    assert "\n" not in str(caught.value)


def test_noise_drawn_another_way_is_refused():
    with pytest.raises(SpeechError, match="RandomUniformLike"):
        replace_random_normal(_graph("RandomUniformLike", dtype=TensorProto.FLOAT))
