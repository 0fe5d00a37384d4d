"""The command line's progress bars and the log lines written while they are drawn."""

from __future__ import annotations

import logging
import re
import sys

from api.cli.progress import ProgressBars


def test_a_warning_logged_while_a_bar_is_drawn_gets_its_own_line(capsys):
    """A translation check warning was glued to the end of a progress bar's line."""
    root = logging.getLogger()
    handler = logging.StreamHandler(sys.stderr)  # as `logging.basicConfig` in `polydub` puts it
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    try:
        with ProgressBars() as bars:
            bars("Translating into Portuguese", 50, 100)
            logging.getLogger("pipeline.steps").warning("pt-BR: 1 sentence(s) to check")
            bars("Translating into Portuguese", 100, 100)
        logging.getLogger("pipeline.steps").warning("after the bars")
    finally:
        root.removeHandler(handler)
    assert root.handlers.count(handler) == 0
    err = capsys.readouterr().err
    assert "Translating into Portuguese" in err
    assert re.search(r"(^|[\r\n])WARNING pipeline\.steps: pt-BR: 1 sentence\(s\) to check\n", err), repr(err)
    assert err.endswith("WARNING pipeline.steps: after the bars\n")  # the terminal's handler is back


def test_no_log_output_is_added_where_there_was_none(capsys):
    root = logging.getLogger()
    before = list(root.handlers)
    with ProgressBars():
        assert root.handlers == before  # under pytest: its capture handlers only, none on the terminal
    assert root.handlers == before


def test_a_failed_tasks_bar_stops_where_it_was_and_says_failed(capsys):
    """fresh4 finding 11: a failed render's bar was filled as if done."""
    with ProgressBars() as bars:
        bars("Rendering ana — Portuguese", 40, 100)
        bars.finish("Rendering ana — Portuguese", failed=True)
        bars("Rendering bo — Portuguese", 40, 100)
        bars.finish("Rendering bo — Portuguese")
    err = capsys.readouterr().err
    assert "Rendering ana — Portuguese (failed):  40%" in err and "Rendering ana — Portuguese (failed): 100%" not in err
    assert "Rendering bo — Portuguese: 100%" in err


def test_task_lines_of_a_job_ending_with_a_failed_render_end_at_100_percent(tmp_path, monkeypatch, capsys):
    """fresh4 finding 11: the last line said "[ 68.4%] pack:pt done": failed work was never counted."""
    from tests.helpers.media import flat_videos
    from tests.helpers.service import FAKE_RUNNER

    from api.cli import main
    from pipeline.jobs.plan import presenter_label
    from pipeline.models.files import sha256_file

    monkeypatch.setenv("POLYDUB_FAKE_DIR", str(tmp_path))
    monkeypatch.setenv("POLYDUB_MIN_FREE_GB", "0")
    videos = flat_videos(tmp_path, 2, name="ana{k}.mp4")
    (tmp_path / f"fail-{presenter_label(sha256_file(videos[1]))}").touch()  # the fake runner fails its render
    (tmp_path / "script.md").write_text("Clean the nozzle.\n")
    assert main(["localize", "--text", str(tmp_path / "script.md"), "--lang", "pt", "--presenter", *map(str, videos),
                 "--out", str(tmp_path / "out"), "--data-dir", str(tmp_path / "data"), "--runner", FAKE_RUNNER]) == 3
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("[")]
    assert any(line.endswith(" failed") and "render:pt:" in line for line in lines), lines
    assert lines[-1].startswith("[100.0%] pack:pt done"), lines
