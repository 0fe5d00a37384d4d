"""Waiting for something another process does, without sleeping for a fixed time."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")


def wait_for(condition: Callable[[], T], timeout: float = 60.0, what: str = "condition") -> T:
    """Poll a condition until it holds and return its value; the deadline only guards against a hang."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@contextmanager
def held_in_background(work: Callable[[], object], held: threading.Event, release: threading.Event,
                       timeout: float = 10.0) -> Iterator[None]:
    """Run `work` in a thread until it sets `held` (a writer half-way through its file, say), run
    the block meanwhile, then set `release`, join the thread and raise what `work` raised."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as exc:  # noqa: BLE001 - raised in the caller below
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    assert held.wait(timeout), "the background work never reached its hold"
    try:
        yield
    finally:
        release.set()
        thread.join(timeout)
    if errors:
        raise errors[0]
