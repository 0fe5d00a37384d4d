"""Language packs in --out (api/cli/outfolder.py): a reused --out gets each pack folder replaced
whole (it holds exactly what its manifest lists), and a folder that holds a user's own files is
refused before any work, never deleted. With the fake step runner (no model loads)."""

from __future__ import annotations

import json
import stat

import pytest
from tests.helpers.runners import runs
from tests.helpers.service import FAKE_RUNNER

from api.cli import main


def localize(cli_env, presenters, langs="es"):
    return main(["-q", "localize", "--text", str(cli_env / "script.md"), "--lang", langs, "--presenter",
                 *map(str, presenters), "--out", str(cli_env / "out"), "--runner", FAKE_RUNNER])


def lipsync(cli_env, presenters):
    from tests.helpers.media import write_wav

    return main(["-q", "lipsync", "--audio", str(write_wav(cli_env / "talk.wav")), "--language", "en", "--presenter",
                 *map(str, presenters), "--out", str(cli_env / "out"), "--runner", FAKE_RUNNER])


def test_a_reused_out_holds_only_the_new_pack_and_the_summary_counts_it(cli_env, cli_videos, capsys):
    """fresh3 finding 1: two presenters into --out, then one: the first run's second video stayed
    and the summary said "2 video(s)" while the manifest and zip listed one."""
    assert localize(cli_env, cli_videos) == 0
    (cli_env / "out" / "es" / "narration-kokoro-old.wav").write_bytes(b"stale")  # as an earlier voice left it
    manifest = cli_env / "out" / "es" / "manifest.json"
    manifest.write_text(json.dumps({**json.loads(manifest.read_text()),
                                    "narrations": [{"file": "narration-kokoro-old.wav"}]}))
    capsys.readouterr()
    assert localize(cli_env, cli_videos[:1]) == 0
    out = capsys.readouterr().out
    folder = cli_env / "out" / "es"
    assert sorted(p.name for p in (folder / "videos").iterdir()) == ["ana0.mp4"]
    assert not (folder / "narration-kokoro-old.wav").exists()
    assert f"es: 1 video(s) in {folder}" in out
    # nothing built aside is left behind
    assert sorted(p.name for p in (cli_env / "out").iterdir()) == ["es", "es.zip"]


def test_a_reused_lipsync_out_is_replaced_whole_too(cli_env, cli_videos, capsys):
    assert lipsync(cli_env, cli_videos) == 0
    capsys.readouterr()
    assert lipsync(cli_env, cli_videos[:1]) == 0
    assert sorted(p.name for p in (cli_env / "out" / "videos").iterdir()) == ["ana0.mp4"]
    assert "1 video(s)" in capsys.readouterr().out


@pytest.mark.parametrize("command", [localize, lipsync])
def test_an_out_folder_with_a_users_files_is_refused_before_any_work_and_kept(cli_env, cli_videos, capsys, command):
    folder = cli_env / "out" / "es" if command is localize else cli_env / "out"
    folder.mkdir(parents=True)
    (folder / "notes.txt").write_text("mine")
    assert command(cli_env, cli_videos[:1]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"polydub: error: {folder} already holds files that are not a "
                                               "polydub language pack"), err
    assert "give --out a new or empty folder" in err[0]
    assert (folder / "notes.txt").read_text() == "mine"
    assert runs(cli_env) == []  # refused before any step ran


def test_an_empty_out_folder_is_used(cli_env, cli_videos):
    (cli_env / "out" / "es").mkdir(parents=True)
    assert localize(cli_env, cli_videos[:1]) == 0
    assert json.loads((cli_env / "out" / "es" / "manifest.json").read_text())["language"] == "es"


def test_a_zip_that_is_not_a_pack_is_refused(cli_env, cli_videos, capsys):
    (cli_env / "out").mkdir()
    (cli_env / "out" / "es.zip").write_bytes(b"not a zip")
    assert localize(cli_env, cli_videos[:1]) == 1
    assert "es.zip exists and is not a polydub pack zip" in capsys.readouterr().err
    assert (cli_env / "out" / "es.zip").read_bytes() == b"not a zip"


def test_pack_files_and_folders_have_the_umasks_mode(cli_env, cli_videos):
    """fresh3 finding 8: every pack file (zips too) was 0600 under umask 022."""
    import os

    old = os.umask(0o022)
    try:
        assert localize(cli_env, cli_videos[:1]) == 0
    finally:
        os.umask(old)
    out = cli_env / "out"
    for path in [out / "es.zip", out / "es" / "manifest.json", out / "es" / "videos" / "ana0.mp4"]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, path
    assert stat.S_IMODE((out / "es").stat().st_mode) == 0o755


@pytest.mark.parametrize("command", [localize, lipsync])
def test_a_users_file_in_an_earlier_pack_is_refused_before_any_work_and_kept(cli_env, cli_videos, capsys, command):
    """fresh4 finding 10: `touch out/pt-BR/mynotes.txt` and the same command again deleted the
    note without a word (the pack folder is replaced whole)."""
    assert command(cli_env, cli_videos[:1]) == 0
    folder = cli_env / "out" / "es" if command is localize else cli_env / "out"
    (folder / "mynotes.txt").write_text("mine")
    (folder / "videos" / "cut.txt").write_text("mine too")
    capsys.readouterr()
    before = len(runs(cli_env))
    assert command(cli_env, cli_videos[:1]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"polydub: error: {folder} holds 2 file(s) not made by polydub (mynotes.txt, videos/cut.txt) and "
                   "the earlier pack there is replaced whole: move them out of the folder, or give --out another "
                   "folder"], err
    assert (folder / "mynotes.txt").read_text() == "mine" and (folder / "videos" / "cut.txt").exists()
    assert len(runs(cli_env)) == before  # refused before any step ran
    (folder / "mynotes.txt").unlink()
    (folder / "videos" / "cut.txt").unlink()
    assert command(cli_env, cli_videos[:1]) == 0  # the pack alone is replaced as before
