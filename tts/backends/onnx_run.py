"""An ONNX Runtime run that Ctrl-C stops at once.

Python raises KeyboardInterrupt in the main thread only, and only between bytecodes: a
`session.run` of one long sentence (21.5 s for a 6.7 s Kokoro sentence on a shared 2-core
machine) held `polydub localize` for ~20 s after Ctrl-C. Here the run goes to a helper thread
while the caller waits in short, interruptible steps; on an interrupt the run is told to stop
(`onnxruntime.RunOptions.terminate`, which ORT checks between nodes) and the interrupt goes on.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

#: how often the waiting thread wakes to let a pending signal handler run (seconds); the
#: longest an interrupt waits before the run is told to stop
POLL_S = 0.1
#: how long an interrupted run is given to notice `terminate` before the interrupt goes on
#: anyway (the helper thread is a daemon: it never holds the process open)
STOP_WAIT_S = 5.0


class Session(Protocol):
    def run(self, output_names: Sequence[str] | None, feeds: Mapping[str, Any], run_options: Any = None) -> list:
        ...


def run_interruptibly(session: Session, output_names: Sequence[str] | None, feeds: Mapping[str, Any],
                      run_options: Any = None) -> list:
    """`session.run(output_names, feeds, run_options)`, returning its outputs or raising its
    error, that a KeyboardInterrupt (or any exception raised in the waiting thread) ends within
    `POLL_S`: the run's `terminate` flag is set and the exception re-raised. `run_options`: an
    `onnxruntime.RunOptions` (a new one when None)."""
    if run_options is None:
        import onnxruntime

        run_options = onnxruntime.RunOptions()
    result: dict[str, Any] = {}
    done = threading.Event()

    def work() -> None:
        try:
            result["outputs"] = session.run(output_names, feeds, run_options)
        except BaseException as exc:  # handed to the waiting thread, which raises it
            result["error"] = exc
        finally:
            done.set()

    try:  # an interrupt may come while the thread starts: the run is told to stop then too
        threading.Thread(target=work, name="onnx-run", daemon=True).start()
        while not done.wait(POLL_S):
            pass
    except BaseException:
        run_options.terminate = True
        done.wait(STOP_WAIT_S)
        raise
    if "error" in result:
        raise result["error"]
    return result["outputs"]
