"""Keep native libraries' chatter (MediaPipe, TFLite, glog/absl) out of the terminal.

MediaPipe's C++ code writes straight to file descriptor 2 ("Feedback manager requires a
model with a single signature inference...", "Logging before InitGoogle()..."), past
Python's logging and past `-q`. Around the calls that print (creating a landmarker, its
first frames, closing it) fd 2 is pointed at a temporary file whose text then goes to the
debug log.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager

# fd 2 is one per process: two threads redirecting it at once would restore each other's
# copy in the wrong order and could leave stderr pointing at a deleted file. A block inside
# another in the same thread is already redirected and does nothing.
_FD2_LOCK = threading.RLock()
_ACTIVE = threading.local()


@contextmanager
def native_stderr_to_log(logger: logging.Logger, what: str) -> Iterator[None]:
    """Send whatever native code writes to fd 2 inside the block to `logger.debug`.

    Python's own `sys.stderr` is flushed before and after, so nothing already written is
    lost or reordered. Blocks in other threads wait; a block nested in one of the same
    thread leaves the redirection to the outer one.
    """
    if getattr(_ACTIVE, "on", False):
        yield
        return
    with _FD2_LOCK:
        try:
            sys.stderr.flush()
        except (AttributeError, ValueError):  # no stderr (pythonw) or closed: nothing to flush
            pass
        try:
            saved = os.dup(2)
        except OSError:  # no fd 2 at all: nothing can reach the terminal anyway
            yield
            return
        with tempfile.TemporaryFile() as sink:
            os.dup2(sink.fileno(), 2)
            _ACTIVE.on = True
            try:
                yield
            finally:
                _ACTIVE.on = False
                try:
                    sys.stderr.flush()
                except (AttributeError, ValueError):
                    pass
                os.dup2(saved, 2)
                os.close(saved)
                sink.seek(0)
                text = sink.read().decode("utf-8", errors="replace").strip()
                if text:
                    logger.debug("%s (native output): %s", what, text.replace("\n", " | "))
