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


def test_files_and_folders_get_the_umasks_mode_not_owner_only(tmp_path):
    """Pack files were 0600 whatever the umask (tempfile.mkstemp): a shared pack folder could
    not be read by the team."""
    import os
    import shutil
    import stat

    from pipeline.atomic import atomic_path, new_folder

    src = tmp_path / "src.bin"
    src.write_bytes(b"x")
    old = os.umask(0o022)
    try:
        written = write_text_atomic(tmp_path / "manifest.json", "{}")
        with atomic_path(tmp_path / "es.zip") as tmp:
            shutil.copyfile(src, tmp)
        folder = new_folder(tmp_path, "es")
        os.umask(0o077)  # a stricter umask is kept too
        strict = write_text_atomic(tmp_path / "strict.txt", "s")
    finally:
        os.umask(old)
    assert stat.S_IMODE(written.stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "es.zip").stat().st_mode) == 0o644
    assert stat.S_IMODE(folder.stat().st_mode) == 0o755 and not any(folder.iterdir())
    assert folder.name.startswith(".es.")
    assert stat.S_IMODE(strict.stat().st_mode) == 0o600
