"""Threads between decode, render and encode: order kept, errors raised, early stop clean."""

import threading

import pytest

from lipsync.pipelining import BackgroundStage, prefetch


def test_prefetch_keeps_order_and_runs_in_another_thread():
    threads = set()

    def items():
        for i in range(50):
            threads.add(threading.current_thread().name)
            yield i

    assert list(prefetch(items(), depth=3)) == list(range(50))
    assert threads == {"polydub-decode"}


def test_prefetch_raises_the_producers_error():
    def items():
        yield 1
        raise ValueError("damaged at frame 1")

    got = prefetch(items())
    assert next(got) == 1
    with pytest.raises(ValueError, match="damaged"):
        next(got)


def test_leaving_prefetch_early_stops_and_closes_the_source():
    closed = threading.Event()

    def items():
        try:
            for i in range(10_000):
                yield i
        finally:
            closed.set()

    got = prefetch(items(), depth=2)
    assert [next(got) for _ in range(3)] == [0, 1, 2]
    got.close()
    assert closed.is_set()
    assert not any(t.name == "polydub-decode" and t.is_alive() for t in threading.enumerate())


def test_background_stage_works_in_order_and_raises_its_error():
    done = []
    with BackgroundStage(done.append, depth=2) as stage:
        for i in range(30):
            stage.put(i)
    assert done == list(range(30))

    def fail(item):
        if item == 3:
            raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        with BackgroundStage(fail, depth=1) as stage:
            for i in range(10):
                stage.put(i)


def test_opencv_runs_in_the_callers_thread_inside_renders_and_gets_its_count_back():
    import cv2

    from lipsync.pipelining import opencv_in_caller_threads

    before = cv2.getNumThreads()
    cv2.setNumThreads(3)
    try:
        with opencv_in_caller_threads():
            assert cv2.getNumThreads() == 1
            with opencv_in_caller_threads():  # a second render at once in this process
                assert cv2.getNumThreads() == 1
            assert cv2.getNumThreads() == 1  # the first still runs
        assert cv2.getNumThreads() == 3
        with pytest.raises(RuntimeError), opencv_in_caller_threads():
            raise RuntimeError("a failed render")
        assert cv2.getNumThreads() == 3
    finally:
        cv2.setNumThreads(before)
