"""An ONNX Runtime run that Ctrl-C stops at once (tts/backends/onnx_run.py)."""

from __future__ import annotations

import _thread
import threading
import time

import numpy as np
import pytest

from tts.backends.onnx_run import STOP_WAIT_S, run_interruptibly


class _Options:
    """RunOptions stand-in: setting `terminate` is seen by the run at once."""

    def __init__(self):
        self.stopped = threading.Event()

    @property
    def terminate(self) -> bool:
        return self.stopped.is_set()

    @terminate.setter
    def terminate(self, value: bool) -> None:
        if value:
            self.stopped.set()


class _LongRun:
    """A session whose run is interrupted (Ctrl-C) while it runs, and ends only when told to
    terminate (as ORT does between nodes), or after 30 s."""

    def __init__(self):
        self.thread: str | None = None

    def run(self, output_names, feeds, run_options):
        self.thread = threading.current_thread().name
        _thread.interrupt_main()  # the user presses Ctrl-C now
        if run_options.stopped.wait(30):
            raise RuntimeError("Exiting due to terminate flag being set to true.")
        return [np.zeros(1)]


def test_ctrl_c_during_a_long_run_stops_it_and_goes_on_at_once():
    """A 21 s Kokoro sentence held Ctrl-C for ~20 s: the interrupt waited for the C call to end."""
    session, options = _LongRun(), _Options()
    start = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        run_interruptibly(session, None, {"x": np.zeros(1)}, options)
    assert options.terminate and session.thread == "onnx-run"
    assert time.monotonic() - start < STOP_WAIT_S


def test_a_real_session_gives_its_outputs_and_its_errors():
    import onnx
    import onnxruntime
    from onnx import TensorProto, helper

    graph = helper.make_graph([helper.make_node("Add", ["x", "x"], ["y"])], "double",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    session = onnxruntime.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    (y,) = run_interruptibly(session, None, {"x": np.array([1.5, 2.0], np.float32)})
    np.testing.assert_array_equal(y, [3.0, 4.0])
    with pytest.raises(Exception, match="x"):  # ORT's own error (a wrong dtype), raised in the caller
        run_interruptibly(session, None, {"x": np.array([1], np.int64)})
