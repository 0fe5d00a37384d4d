"""Speech: text → audio with a phoneme timeline, and recorded narration → a phoneme timeline.

    synth = tts.Synthesizer()
    speech = synth.synthesize(["Switch off the machine.", "Wait five minutes."], "en")
    speech.audio, speech.sample_rate, speech.phonemes, speech.sentences

    tts.align(audio, sample_rate, [(0.1, 0.5, "Switch"), ...], "en")  # recorded narration
"""

from __future__ import annotations


from tts.adapt import AdaptOptions, Adaptation, adapt_speech
from tts.align import align, align_transcript
from tts.backends import ModelPaths
from tts.errors import (
    AlignmentError,
    BackendUnavailableError,
    EmptyTextError,
    SpeechError,
    UnsupportedLanguageError,
    UnsupportedTextError,
    VoiceNotFoundError,
)
from tts.normalize import normalize
from tts.phonemes import phonemize
from tts.profile import NoSpeechError, SpeakerEncoder, VoiceProfile, declared_profile, voice_profile
from tts.recognised import align_recognised
from tts.synthesizer import Synthesizer
from tts.timing import TimingReport, check_timing, timing_report
from tts.types import Phone, PhonemeTimeline, Speech, TimedText, VoiceInfo, check_timeline
from tts.voices import (
    DEFAULT_VOICES,
    VoiceCatalog,
    VoiceChoice,
    VoiceSamples,
    choose_voice,
    intelligible_voices,
    missing_registers,
    voice_register,
)


def list_voices(model_paths: ModelPaths | None = None) -> list[VoiceInfo]:
    """Every installed voice (Piper, Kokoro, espeak-ng languages, Coqui models if any);
    `model_paths`: each backend's model files besides its bundled default."""
    return VoiceCatalog(model_paths).voices()


def default_voice(language: str, model_paths: ModelPaths | None = None) -> str:
    """The id of the voice used for `language` when none is chosen (measured table, else espeak-ng)."""
    return VoiceCatalog(model_paths).default_voice(language).id


__all__ = [
    "AdaptOptions", "Adaptation", "AlignmentError", "BackendUnavailableError", "DEFAULT_VOICES", "EmptyTextError", "ModelPaths", "NoSpeechError", "Phone",
    "PhonemeTimeline", "SpeakerEncoder", "Speech", "SpeechError", "Synthesizer", "TimedText", "TimingReport",
    "UnsupportedLanguageError", "UnsupportedTextError", "VoiceCatalog", "VoiceChoice", "VoiceInfo",
    "VoiceNotFoundError", "VoiceProfile", "VoiceSamples", "adapt_speech", "align", "align_recognised", "align_transcript", "check_timeline",
    "check_timing", "choose_voice", "declared_profile", "default_voice", "intelligible_voices", "list_voices",
    "missing_registers", "normalize", "phonemize", "timing_report", "voice_profile", "voice_register",
]
