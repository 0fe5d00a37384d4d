"""Seeded noise for Piper's VITS voices: the same phoneme ids give the same samples on every call.

A VITS voice draws Gaussian noise twice while speaking (the stochastic duration predictor's
input, scaled by `noise_w`, and the prior sample, scaled by `noise_scale`; Kim et al. 2021,
"Conditional Variational Autoencoder with Adversarial Learning for End-to-End Text-to-Speech"),
exported to ONNX as `RandomNormalLike` nodes. ONNX Runtime's kernel for that node keeps one
random engine per session, seeded when the session is made and advanced by every run, so the
same text read twice in one process gives different audio and a different phone timeline (and
one read depends on what was read before it, or on another thread's reads).

`replace_random_normal` turns each such node into a slice of a new graph input of flat noise,
reshaped to the tensor the node mirrored; `SeededSession` fills those inputs on every run from
NumPy generators seeded by (seed, node index). NumPy fills a standard-normal array in order, so
the first n values do not depend on how long the buffer is: a buffer that turns out too short
is redrawn longer and gives the same samples.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import onnx
import onnxruntime
from onnx import helper

from tts.backends.onnx_run import run_interruptibly
from tts.errors import SpeechError

log = logging.getLogger(__name__)

#: Noise values drawn per phoneme id at length scale 1, before a retry: 192 latent channels
#: (every Piper VITS config's inter_channels) x 12 frames of 256 samples (0.14 s at 22.05 kHz;
#: the bundled voice's ids average 4.5 frames). A longer draw costs about 9 ms per million
#: values; a retry re-runs only the text encoder and the duration predictor (the prior's noise
#: is reshaped before the decoder).
VALUES_PER_ID = 192 * 12
#: How many times a too-short buffer is redrawn, each 4x longer.
RETRIES = 4


@dataclass(frozen=True)
class NoiseInput:
    """One replaced `RandomNormalLike`: its graph input `name` (1-D, `dtype`), the normal
    distribution it stood for (`mean`, `scale`: the node's attributes, ONNX defaults 0 and 1)
    and the name of the Reshape node that fails when the buffer is too short."""

    name: str
    dtype: np.dtype
    mean: float
    scale: float
    reshape: str


def replace_random_normal(model: onnx.ModelProto) -> tuple[NoiseInput, ...]:
    """Replace every `RandomNormalLike` node of `model` (in place) by
    Reshape(Slice(input, 0, size of x), shape of x), with a new 1-D graph input per node.
    Returns the new inputs in graph order (empty when the model draws no such noise).
    Raises SpeechError if the model draws noise another way (RandomNormal, RandomUniform...),
    which could not be seeded."""
    other = sorted({n.op_type for n in model.graph.node if n.op_type.startswith("Random") and n.op_type != "RandomNormalLike"})
    if other:
        raise SpeechError(f"the Piper voice draws noise with {', '.join(other)}, which polydub cannot seed: "
                          "use a voice exported by Piper's own trainer")
    nodes, noises = [], []
    for node in model.graph.node:
        if node.op_type != "RandomNormalLike":
            nodes.append(node)
            continue
        k = len(noises)
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        if "dtype" in attrs:
            elem = int(attrs["dtype"])
        else:  # the node copies its input's type: only float voices are made
            elem = onnx.TensorProto.FLOAT
        prefix = f"polydub_noise_{k}"
        noise = NoiseInput(prefix, np.dtype(helper.tensor_dtype_to_np_dtype(elem)), float(attrs.get("mean", 0.0)),
                           float(attrs.get("scale", 1.0)), f"{prefix}/Reshape")
        model.graph.input.append(helper.make_tensor_value_info(prefix, elem, ["polydub_noise_values"]))
        zero = f"{prefix}/zero"
        nodes += [
            helper.make_node("Shape", [node.input[0]], [f"{prefix}/shape"], name=f"{prefix}/Shape"),
            helper.make_node("ReduceProd", [f"{prefix}/shape"], [f"{prefix}/size"], name=f"{prefix}/ReduceProd",
                             keepdims=1),
            helper.make_node("Constant", [], [zero], name=f"{prefix}/Zero",
                             value=helper.make_tensor(zero, onnx.TensorProto.INT64, [1], [0])),
            helper.make_node("Slice", [prefix, zero, f"{prefix}/size"], [f"{prefix}/flat"], name=f"{prefix}/Slice"),
            helper.make_node("Reshape", [f"{prefix}/flat", f"{prefix}/shape"], list(node.output), name=noise.reshape),
        ]
        noises.append(noise)
    del model.graph.node[:]
    model.graph.node.extend(nodes)
    return tuple(noises)


class SeededSession:
    """An onnxruntime.InferenceSession seen through `run`, with the noise inputs filled per run:
    noise input k gets `mean + scale * standard_normal` from `np.random.default_rng((seed, k))`.
    Buffer length: `VALUES_PER_ID` x phoneme ids (the "input" feed's size) x the length scale
    (Piper's "scales" feed, item 1), redrawn 4x longer if the model needs more. Safe to share
    between threads (each run draws its own noise)."""

    def __init__(self, session: onnxruntime.InferenceSession, noises: Sequence[NoiseInput], seed: int):
        self.session = session
        self.noises = tuple(noises)
        self.seed = int(seed)

    def run(self, output_names: Sequence[str] | None, feeds: Mapping[str, np.ndarray],
            run_options: onnxruntime.RunOptions | None = None) -> list[np.ndarray]:
        """`session.run` with the noise inputs added; raises SpeechError if the noise buffer is
        still too short after `RETRIES` redraws."""
        ids = int(np.asarray(feeds["input"]).size) if "input" in feeds else 1
        scales = np.asarray(feeds.get("scales", [1.0, 1.0, 1.0]), np.float64).ravel()
        length = max(1, int(VALUES_PER_ID * ids * max(1.0, float(scales[1]) if len(scales) > 1 else 1.0)))
        for _ in range(RETRIES + 1):
            full = dict(feeds)
            for k, noise in enumerate(self.noises):
                draw = np.random.default_rng((self.seed, k)).standard_normal(length)
                full[noise.name] = (noise.mean + noise.scale * draw).astype(noise.dtype)
            try:
                # in a helper thread, so Ctrl-C stops a long sentence at once (`onnx_run`)
                return run_interruptibly(self.session, output_names, full, run_options)
            except Exception as exc:  # onnxruntime's errors have no public base class
                if not any(n.reshape in str(exc) for n in self.noises):
                    raise
                log.debug("noise buffer of %d values too short; drawing %d", length, 4 * length)
                length *= 4
        raise SpeechError(f"the Piper voice needed more than {length // 4} noise values for {ids} phoneme ids: "
                          "split the text into shorter sentences")

    def __getattr__(self, name: str) -> object:  # the rest of the session (get_inputs, ...) as is
        return getattr(self.session, name)
