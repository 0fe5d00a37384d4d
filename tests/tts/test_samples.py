"""Voice samples (tts/samples.py): one per voice and language, made once however many threads ask,
and a foreground caller (a job's voice choice) served before background warming."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from tests.helpers.waiting import wait_for
from tts.samples import MemorySamples, VoiceSamples, spoken_tag
from tts.types import Speech, VoiceInfo


def _voice(name: str, *languages: str) -> VoiceInfo:
    return VoiceInfo(f"kokoro:{name}", "kokoro", name, languages)


class HeldSynth:
    """Says a short tone and records (voice id, tag) in order; a voice in `held` waits for
    `release` first (so a test decides when its synthesis ends)."""

    def __init__(self, held=()):
        self.calls: list[tuple[str, str]] = []
        self.held = set(held)
        self.started = threading.Event()
        self.release = threading.Event()
        self._lock = threading.Lock()

    def synthesize(self, sentences, language, *, voice):
        with self._lock:
            self.calls.append((voice.id, language))
        if voice.id in self.held:
            self.started.set()
            assert self.release.wait(30)
        audio = (0.1 * np.sin(np.arange(2400) / 5)).astype(np.float32)
        return Speech(audio=audio, sample_rate=24000, phonemes=(), words=(), sentences=(), language=language,
                      voice=voice.id, backend=voice.backend, rate=1.0)


@pytest.mark.parametrize(("listed", "asked", "spoken"), [
    (("ja", "en", "pt-BR"), "pt", "pt-BR"),
    (("ja", "en", "pt-BR"), "en-GB", "en"),
    (("en-US",), "en", "en-US"),
    (("en-US",), "en-GB", "en-US"),
    (("ja", "es"), "es-MX", "es"),
])
def test_a_sample_is_spoken_in_a_tag_the_voice_lists(listed, asked, spoken):
    assert spoken_tag(listed, asked) == spoken


def test_one_sample_per_voice_and_language_whatever_the_tag_asked():
    synth = HeldSynth()
    samples = VoiceSamples(synth)
    nezumi = _voice("jf_nezumi", "ja", "en", "pt-BR")
    name = samples.audio(nezumi, "pt")
    assert samples.audio(nezumi, "pt-BR") == name and samples.audio(nezumi, "pt-PT") == name
    assert synth.calls == [("kokoro:jf_nezumi", "pt-BR")]
    assert samples.audio(nezumi, "ja") is None  # no sample text in Japanese
    assert samples.name(nezumi, "en") != name and samples.name(_voice("jm_kumo", "pt-BR"), "pt") != name


def test_threads_asking_for_one_sample_at_once_make_it_once():
    synth = HeldSynth(held={"kokoro:jf_nezumi"})
    samples = VoiceSamples(synth, store=MemorySamples())
    nezumi = _voice("jf_nezumi", "pt-BR")
    names: list[str | None] = []
    threads = [threading.Thread(target=lambda bg=bg: names.append(samples.audio(nezumi, "pt", background=bg)))
               for bg in (True, False, False, True)]
    for t in threads:
        t.start()
    assert synth.started.wait(30)
    synth.release.set()
    for t in threads:
        t.join(30)
    assert len(names) == 4 and len(set(names)) == 1
    assert synth.calls == [("kokoro:jf_nezumi", "pt-BR")]


def test_a_job_goes_before_the_warm_up_and_waits_only_for_the_sample_in_flight():
    """Warming four German samples; a job needs a Portuguese one: it is made right after the
    German sample in flight, not after all four."""
    german = [_voice(f"de_{k}", "de") for k in range(4)]
    synth = HeldSynth(held={german[0].id})
    samples = VoiceSamples(synth)
    warm = threading.Thread(target=lambda: [samples.audio(v, "de", background=True) for v in german])
    warm.start()
    assert synth.started.wait(30)
    job = threading.Thread(target=samples.audio, args=(_voice("pt_0", "pt-BR"), "pt"))
    job.start()
    wait_for(lambda: samples._foreground == 1, timeout=30, what="the job waiting for the synthesizer")
    synth.release.set()
    job.join(30)
    warm.join(30)
    assert [voice for voice, _ in synth.calls] == [german[0].id, "kokoro:pt_0", *(v.id for v in german[1:])]


def test_a_profile_is_measured_from_the_kept_sample_once():
    from tests.helpers.voices import CountingSynth, OneSpeakerEncoder

    store = MemorySamples()
    synth = CountingSynth()
    nezumi = _voice("jf_nezumi", "pt-BR")
    samples = VoiceSamples(synth, OneSpeakerEncoder(4), store)
    name = samples.audio(nezumi, "pt")
    profile = samples.profile(nezumi, "pt-BR")
    assert profile is not None and profile.embedding == (0.5, 0.5, 0.5, 0.5) and len(synth.calls) == 1
    assert store.read_profile(name) == profile
    again = VoiceSamples(HeldSynth(), OneSpeakerEncoder(4), store)  # another process on the same store
    assert again.profile(nezumi, "pt") == profile
