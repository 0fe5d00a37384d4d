"""Whole-file writes (pipeline/atomic.py)."""

from __future__ import annotations

import threading

from pipeline.atomic import write_text_atomic


def test_a_file_is_replaced_whole_and_no_temporary_is_left(tmp_path):
    target = tmp_path / "profile.json"
    write_text_atomic(target, "old")
    assert write_text_atomic(target, "néw") == target
    assert target.read_text(encoding="utf-8") == "néw"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["profile.json"]


def test_writers_of_one_file_at_once_never_share_a_temporary(tmp_path):
    """Two submissions may measure the same presenter at once: each write lands whole."""
    target = tmp_path / "profile.json"
    texts = [str(i) * 100_000 for i in range(8)]
    errors = []

    def write(text):
        try:
            write_text_atomic(target, text)
        except OSError as exc:  # a shared temporary name fails here (renamed away by the other)
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(t,)) for t in texts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and target.read_text(encoding="utf-8") in texts
    assert sorted(p.name for p in tmp_path.iterdir()) == ["profile.json"]


def test_a_path_writer_that_fails_leaves_the_old_file_and_no_temporary(tmp_path):
    from pipeline.atomic import atomic_path

    target = tmp_path / "sample.wav"
    target.write_bytes(b"old")
    try:
        with atomic_path(target) as tmp:
            assert tmp.parent == tmp_path and tmp.suffix == ".wav"  # a writer that picks its format by name
            tmp.write_bytes(b"half")
            raise RuntimeError("the encoder stopped")
    except RuntimeError:
        pass
    assert target.read_bytes() == b"old" and sorted(p.name for p in tmp_path.iterdir()) == ["sample.wav"]
    with atomic_path(target) as first, atomic_path(target) as second:
        assert first != second  # two writers at once never share a temporary
        first.write_bytes(b"one")
        second.write_bytes(b"two")
    assert target.read_bytes() == b"one"  # the last to finish wins, whole
