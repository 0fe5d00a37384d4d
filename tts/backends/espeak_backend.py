"""espeak-ng: every language it has; its phoneme events give the timeline."""

from __future__ import annotations

from tts.backends import Utterance
from tts.espeak import Espeak
from tts.languages import canonical
from tts.phonemes import espeak_voice_for
from tts.types import Phone, TimedText, VoiceInfo

_WORDS_PER_MINUTE = 165
# espeak-ng language names whose BCP-47 tag says more than the name does.
_TAGS = {"pt": "pt-PT", "en": "en-GB", "cmn": "zh", "zh-cmn": "zh", "zh-yue": "yue", "no": "nb", "hbs": "sh"}


class EspeakBackend:
    name = "espeak"
    max_chars = 2000

    def __init__(self, espeak: Espeak | None = None):
        self.espeak = espeak or Espeak.shared()

    def voices(self) -> list[VoiceInfo]:
        return [
            VoiceInfo(f"espeak:{lang}", self.name, lang, (_TAGS.get(lang, canonical(lang)),), None, f"espeak-ng {ident}")
            for lang, ident in sorted(self.espeak.voices().items())
        ]

    def speak(self, text: str, voice: VoiceInfo, language: str, rate: float) -> Utterance:
        name = voice.name if voice.name in self.espeak.voices() else espeak_voice_for(language, self.espeak)
        result = self.espeak.synthesize(text, name, rate_wpm=round(_WORDS_PER_MINUTE * rate))
        phones, words = [], []
        for w in result.words:
            if not w.phones:
                continue
            phones.extend(Phone(s, e, p) for s, e, p in w.phones)
            words.append(TimedText(w.phones[0][0], w.phones[-1][1], text[w.text_start:w.text_start + w.text_length]))
        return Utterance(result.audio, result.sample_rate, tuple(phones), tuple(words))
