"""Voice samples on disk and warmed ahead (pipeline/voicing_samples.py): every voice a job may
choose is made and profiled once per data folder, read back after (another process included),
a failing voice is reported without stopping the others, and a job after the warm-up
synthesizes nothing. The catalog is the real one; the synthesizer and speaker encoder are
stand-ins (tests.helpers.voices)."""

from __future__ import annotations

import threading

import pytest

import tts
from pipeline.errors import InputError
from pipeline.voicing import PresenterVoices
from pipeline.voicing_samples import SampleFiles, SampleWarmer, candidates, samples_to_make, warm_samples
from tests.helpers.voices import CountingSynth, OneSpeakerEncoder
from tests.helpers.waiting import held_in_background, wait_for


@pytest.fixture(scope="module")
def catalog():
    return tts.VoiceCatalog()


def _voices(tmp_path, catalog, synth) -> PresenterVoices:
    samples = tts.VoiceSamples(synth, OneSpeakerEncoder(), SampleFiles(tmp_path / "voices" / "samples"))
    return PresenterVoices(tmp_path / "voices", catalog=catalog, samples=samples)


def test_warming_makes_each_candidate_once_and_another_process_reads_them(tmp_path, catalog):
    synth = CountingSynth()
    seen: list[tuple[int, int]] = []
    report = warm_samples(_voices(tmp_path, catalog, synth), ["pt-BR", "fr"],
                          progress=lambda done, total, what: seen.append((done, total)))
    wanted = {(v.id) for v, _ in tts.intelligible_voices("pt-BR", catalog)} | {
        v.id for v, _ in tts.intelligible_voices("fr", catalog)}
    total = len(candidates(catalog, ["pt-BR", "fr"]))
    assert report.made == total and report.failed == () and total >= 4
    assert {voice for _, _, voice in synth.calls} == wanted and len(synth.calls) == total  # each once
    assert seen == [(k, total) for k in range(1, total + 1)]
    folder = tmp_path / "voices" / "samples"
    assert len(list(folder.glob("voice-*.wav"))) == total and len(list(folder.glob("voice-*.json"))) == total
    assert not list(folder.glob(".*"))  # no temporary left
    again = CountingSynth()  # a new process on the same data folder
    assert warm_samples(_voices(tmp_path, catalog, again), ["pt"]).made == len(candidates(catalog, ["pt"]))
    assert again.calls == []


def test_samples_to_make_counts_those_not_kept(tmp_path, catalog):
    """The CLI shows its "preparing voice samples" bar only when this is not 0 (fresh4 finding 11)."""
    synth = CountingSynth()
    total = len(candidates(catalog, ["pt"]))
    assert samples_to_make(_voices(tmp_path, catalog, synth), ["pt"]) == total and synth.calls == []
    warm_samples(_voices(tmp_path, catalog, synth), ["pt"])
    assert samples_to_make(_voices(tmp_path, catalog, CountingSynth()), ["pt"]) == 0  # another process
    next(iter((tmp_path / "voices" / "samples").glob("voice-*.json"))).unlink()
    assert samples_to_make(_voices(tmp_path, catalog, CountingSynth()), ["pt"]) == 1


def test_a_job_after_the_warm_up_synthesizes_nothing(tmp_path, catalog):
    synth = CountingSynth()
    voices = _voices(tmp_path, catalog, synth)
    warm_samples(voices, ["pt"])
    made = len(synth.calls)
    her = tts.VoiceProfile("speech", register="female", f0_median_hz=225.0, embedding=tuple([0.35] * 8))
    choice, _ = voices.choose(her, "pt-BR", None)
    assert "speaker similarity" in choice.reason and len(synth.calls) == made


def test_a_failing_voice_is_reported_and_the_others_are_made(tmp_path, catalog):
    synth = CountingSynth(failing={"kokoro:jf_nezumi"})
    report = warm_samples(_voices(tmp_path, catalog, synth), ["pt"])
    assert len(report.failed) == 1 and report.failed[0].startswith("kokoro:jf_nezumi (pt): ")
    assert "cannot speak here" in report.failed[0]
    assert report.made == len(candidates(catalog, ["pt"])) - 1
    with pytest.raises(InputError, match="no installed voice speaks 'xx'"):
        warm_samples(_voices(tmp_path, catalog, synth), ["xx"])


def test_languages_without_a_sample_text_are_skipped_and_said(tmp_path, catalog):
    assert candidates(catalog, ["ja"]) == []
    assert {lang for _, lang in candidates(catalog, ["ja", "de"])} == {"de"}
    assert warm_samples(_voices(tmp_path, catalog, CountingSynth()), ["ja"]).skipped == ("ja",)


def test_the_service_warmer_reports_progress_until_ready(tmp_path, catalog):
    class Held(CountingSynth):
        def __init__(self):
            super().__init__()
            self.release = threading.Event()

        def synthesize(self, sentences, language, *, voice):
            assert self.release.wait(30)
            return super().synthesize(sentences, language, voice=voice)

    synth = Held()
    warmer = SampleWarmer(_voices(tmp_path, catalog, synth), ["fr", "de"])
    assert warmer.status()["state"] == "idle"
    warmer.start()
    assert warmer.status()["state"] == "warming"
    synth.release.set()
    status = wait_for(lambda: (s := warmer.status())["state"] == "ready" and s, timeout=60, what="warm-up ready")
    total = len(candidates(catalog, ["fr", "de"]))
    assert status["done"] == status["total"] == total and status["failed"] == [] and status["seconds"] is not None
    warmer.stop()


class _HeldAtSecond(CountingSynth):
    """Makes samples, but holds the second one (`reached` set) until `go` is set: the service
    stops while a sample is being made."""

    def __init__(self):
        super().__init__()
        self.reached, self.go = threading.Event(), threading.Event()

    def synthesize(self, sentences, language, *, voice):
        if len(self.calls) == 1:
            self.reached.set()
            assert self.go.wait(30)
        return super().synthesize(sentences, language, voice=voice)


def test_a_warm_up_stopped_part_way_says_how_many_were_made(tmp_path, catalog, caplog):
    """SIGTERM during the warm-up (the service's `stop()`) after 2 samples of several: the log
    and the status say "2 of N made", never "ready: N"."""
    import logging

    caplog.set_level(logging.INFO, logger="pipeline.voicing_samples")
    synth = _HeldAtSecond()
    total = len(candidates(catalog, ["fr", "de"]))
    assert total > 2
    warmer = SampleWarmer(_voices(tmp_path, catalog, synth), ["fr", "de"])
    warmer.start()
    assert synth.reached.wait(30)
    stopping = threading.Thread(target=warmer.stop, kwargs={"timeout": 30})  # as the service's shutdown does
    stopping.start()
    wait_for(lambda: warmer._stop.is_set(), timeout=30, what="stop asked")
    synth.go.set()
    stopping.join(30)
    status = wait_for(lambda: (s := warmer.status())["state"] == "stopped" and s, timeout=60, what="warm-up stopped")
    assert status["done"] == 2 and status["total"] == total
    said = [r.getMessage() for r in caplog.records if r.name == "pipeline.voicing_samples"]
    assert f"voice samples: 2 of {total} made before the service stopped" in said[-1], said
    assert not any("ready" in m for m in said), said


def test_a_warm_up_stopped_while_a_sample_is_made_says_so_before_the_process_ends(tmp_path, catalog, caplog):
    """The service's shutdown waits a while for the sample being made; past that, the process
    may end before the warm-up thread speaks, so `stop()` says what was made, once."""
    import logging

    caplog.set_level(logging.INFO, logger="pipeline.voicing_samples")
    synth = _HeldAtSecond()
    total = len(candidates(catalog, ["fr", "de"]))
    warmer = SampleWarmer(_voices(tmp_path, catalog, synth), ["fr", "de"])
    warmer.start()
    assert synth.reached.wait(30)
    warmer.stop(timeout=0.05)  # the second sample is still being made
    said = [r.getMessage() for r in caplog.records if "before the service stopped" in r.getMessage()]
    assert said == [f"voice samples: 1 of {total} made before the service stopped (one more was being made)"]
    synth.go.set()
    wait_for(lambda: warmer.status()["state"] == "stopped", timeout=60, what="warm-up stopped")
    ends = [r.getMessage() for r in caplog.records if "before the service stopped" in r.getMessage() or "ready" in
            r.getMessage()]
    assert ends == said  # said once
    report = warm_samples(_voices(tmp_path, catalog, CountingSynth()), ["fr", "de"], stop=threading.Event())
    assert (report.made, report.total, report.stopped) == (total, total, False)


def test_two_writers_of_one_sample_never_collide_and_a_reader_sees_a_whole_file(tmp_path, monkeypatch):
    """The service's warm-up and `polydub voices warm` (two processes) may make one sample at
    once: the first writer is held half-way while the second writes whole; each lands whole."""
    import numpy as np
    import soundfile

    files = SampleFiles(tmp_path / "samples")
    halfway, second_done = threading.Event(), threading.Event()
    real = soundfile.write

    def held_write(path, audio, rate, **options):
        if len(audio) != 48000:
            return real(path, audio, rate, **options)
        with soundfile.SoundFile(path, "w", rate, 1, subtype="PCM_16", format="WAV") as out:
            out.write(audio[:24000])  # half a file, still open under its temporary name
            out.flush()
            halfway.set()
            assert second_done.wait(30)
            out.write(audio[24000:])

    monkeypatch.setattr(soundfile, "write", held_write)
    long, short = np.full(48000, 0.25, np.float32), np.full(24000, -0.5, np.float32)
    with held_in_background(lambda: files.write_audio("voice-x", long, 24000), halfway, second_done, 30):
        files.write_audio("voice-x", short, 24000)
        audio, _ = files.read_audio("voice-x")
        assert len(audio) == 24000  # the reader sees the second writer's whole file, not half the first
    audio, rate = files.read_audio("voice-x")
    assert rate == 24000 and len(audio) == 48000 and np.allclose(audio, 0.25, atol=1e-4)
    assert [p.name for p in (tmp_path / "samples").iterdir()] == ["voice-x.wav"]
