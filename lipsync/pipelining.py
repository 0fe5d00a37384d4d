"""Decode, render and encode in a pipeline of threads.

PyAV releases the GIL while it decodes, converts (swscale) and encodes, as OpenCV and numpy do
in their kernels, so decoding the next frame and encoding the previous one overlap the
renderer's work on the current one. Queues are short (`DEPTH` frames), so memory stays bounded
and frames keep their order; an error in a worker is raised in the caller.

During a render OpenCV runs single-threaded (`opencv_in_caller_threads`): its kernels work on
one lower-face crop at a time, too small to gain from its thread pool, whose workers only
compete with libx264's threads and these stages for the cores.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import cv2

T = TypeVar("T")

#: frames waiting between two stages: enough to smooth out uneven frame costs
DEPTH = 4
#: bytes of frames one queue may hold: at 4K (12 MB a yuv420p frame) a queue holds one frame,
#: so memory stays bounded in resolution (issue 14: a 4K render under 1 GB)
QUEUE_BYTES = 24 << 20
_END = object()
#: OpenCV's thread count is one per process: renders running at once in one process (the
#: inline executor's threads) share one setting, set by the first and restored by the last
_CV_LOCK = threading.Lock()
_CV_USERS: list[int] = []  # the thread count before the first render, while any runs


def queue_depth(frame_bytes: int) -> int:
    """Frames per queue for frames of `frame_bytes`: `DEPTH`, fewer for large frames (>= 1)."""
    return max(1, min(DEPTH, QUEUE_BYTES // max(1, frame_bytes)))


def prefetch(items: Iterable[T], depth: int = DEPTH, name: str = "polydub-decode") -> Iterator[T]:
    """Iterate `items` in a background thread, `depth` items ahead. Closing the returned
    generator (or leaving it early) stops the thread; its exception is raised here."""
    q: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    failure: list[BaseException] = []

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        q.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    close = getattr(items, "close", None)
                    if close is not None:
                        close()  # in this thread, where the generator runs
                    return
        except BaseException as exc:  # raised in the consumer
            failure.append(exc)
        q.put(_END)

    worker = threading.Thread(target=produce, name=name, daemon=True)
    worker.start()
    try:
        while True:
            item = q.get()
            if item is _END:
                if failure:
                    raise failure[0]
                return
            yield item
    finally:
        stop.set()
        while worker.is_alive():
            try:
                q.get(timeout=0.1)
            except queue.Empty:
                pass
        worker.join()


class BackgroundStage:
    """Call `work(item)` for each `put` item, in order, in one background thread.

    Use as a context manager: leaving it normally waits for the queue to drain and raises
    the worker's error if any; leaving it by an exception stops the worker without waiting
    for the rest.
    """

    def __init__(self, work: Callable[[Any], None], depth: int = DEPTH, name: str = "polydub-encode"):
        self._work = work
        self._q: queue.Queue = queue.Queue(maxsize=depth)
        self._failure: list[BaseException] = []
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            item = self._q.get()
            if item is _END:
                return
            if self._failure:
                continue  # drain: the caller learns of the failure on its next put
            try:
                self._work(item)
            except BaseException as exc:
                self._failure.append(exc)

    def put(self, item: Any) -> None:
        if self._failure:
            raise self._failure[0]
        self._q.put(item)

    def __enter__(self) -> BackgroundStage:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self._failure.append(exc)  # skip what is still queued
        self._q.put(_END)
        self._thread.join()
        if exc_type is None and self._failure:
            raise self._failure[0]


@contextmanager
def opencv_in_caller_threads() -> Iterator[None]:
    """Inside the block OpenCV runs its kernels in the calling thread (`cv2.setNumThreads(1)`);
    the count before is restored when the last block in this process ends.

    Measured (issue 14): 6 alternating pairs of 200-frame 720p warp renders on the 2 cores
    (load average 5-6) took 4.77 s CPU and 3.91 s wall with this, 5.00 s and 4.22 s without:
    OpenCV's pool woke workers for crops of about 250 x 190 pixels.
    """
    with _CV_LOCK:
        if not _CV_USERS:
            _CV_USERS.append(cv2.getNumThreads())
            cv2.setNumThreads(1)
        else:
            _CV_USERS.append(_CV_USERS[0])
    try:
        yield
    finally:
        with _CV_LOCK:
            before = _CV_USERS.pop()
            if not _CV_USERS:
                cv2.setNumThreads(before)
