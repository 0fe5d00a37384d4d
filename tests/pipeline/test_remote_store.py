"""The fsspec-backed artifact store: two "nodes" (two local caches) sharing one file:// URL."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest

from pipeline.errors import JobError
from pipeline.jobs.artifacts import ArtifactStore, task_key
from pipeline.jobs.executor import TaskCall, execute
from pipeline.jobs.remote_store import RemoteArtifactStore, localize_inputs, open_artifact_store


class WriteRunner:
    """Writes one file from its input's file, like a step reading an upstream artifact."""

    def versions(self):
        return {"render": "1"}

    def run(self, call, out, progress):
        source = Path(call.inputs["video"])
        name = json.loads((source / "meta.json").read_text())["name"]
        (out / "video.mp4").write_bytes(b"rendered:" + (source / name).read_bytes())
        progress(1.0, None)
        return {"ok": True}


@pytest.fixture
def nodes(tmp_path):
    url = (tmp_path / "bucket").as_uri()
    return url, RemoteArtifactStore(url, tmp_path / "cache-a"), RemoteArtifactStore(url, tmp_path / "cache-b")


def test_open_artifact_store_picks_by_location(tmp_path):
    assert type(open_artifact_store(tmp_path / "plain", tmp_path / "c")) is ArtifactStore
    assert isinstance(open_artifact_store((tmp_path / "u").as_uri(), tmp_path / "c"), RemoteArtifactStore)


def test_artifact_made_on_one_node_is_read_on_another(nodes, tmp_path):
    url, a, b = nodes
    upload = tmp_path / "in.mp4"
    upload.write_bytes(b"presenter bytes")
    video = a.put_file(upload, "in.mp4")
    # Same content hash as a local store would give.
    assert video == ArtifactStore(tmp_path / "local").put_file(upload, "in.mp4")
    assert b.has(video) and not (b.path(video) / "meta.json").exists()

    key = task_key("render", "1", {}, {"video": video})
    call = TaskCall("j1", "render:pt:x", "render", key, {"video": str(a.path(video))})
    worker_store = pickle.loads(pickle.dumps(b))  # as a Ray worker on node B receives it
    local_call = localize_inputs(call, worker_store)
    assert Path(local_call.inputs["video"]) == b.path(video)
    execute(local_call, WriteRunner(), worker_store, lambda f, m: None)

    # Node A (the driver) sees B's artifact through the URL and reads it after a fetch.
    assert a.has(key) and not (a.path(key) / "meta.json").exists()
    assert (a.fetch(key) / "video.mp4").read_bytes() == b"rendered:presenter bytes"
    assert a.meta(key)["kind"] == "render"
    assert set(a.keys()) == {video, key}


def test_half_uploaded_artifact_does_not_exist(nodes):
    url, a, b = nodes
    key = "ab" * 32
    a.fs.makedirs(a._remote_dir(key), exist_ok=True)
    a.fs.pipe_file(f"{a._remote_dir(key)}/video.mp4", b"partial")  # no meta.json yet
    assert not b.has(key)
    with pytest.raises(JobError, match="missing"):
        b.fetch(key)


def test_gc_removes_what_no_job_keeps(nodes, tmp_path):
    url, a, b = nodes
    kept, dropped = tmp_path / "k.bin", tmp_path / "d.bin"
    kept.write_bytes(b"keep me")
    dropped.write_bytes(b"drop me")
    k, d = a.put_file(kept, "k.bin"), a.put_file(dropped, "d.bin")
    size = a.size(d)
    assert size > len(b"drop me")  # the file and its meta.json
    assert a.gc(keep=[k]) == (1, size)
    assert b.has(k) and not b.has(d) and not a.has(d)
