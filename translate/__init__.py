"""The translation leaf: read a script (plain text or Markdown) into segmented sentences,
transcribe a recording into timed words, and translate sentence by sentence through
pluggable backends with a glossary and a translation memory.

    doc = translate.read_source(text)
    result = translate.Translator().translate(doc, doc.language, "pt")
    script = doc.render(result)
"""

from translate.errors import (
    EmptySourceError,
    MixedLanguageError,
    ModelLoadError,
    TranscriptionError,
    TranslationError,
    UnsupportedPairError,
)
from translate.glossary import Glossary, GlossaryError, Term
from translate.memory import TranslationMemory
from translate.mixed import check_given_language
from translate.source import Block, Sentence, Skipped, SourceDocument, read_source
from translate.transcribe import Transcriber, Transcript
from translate.results import GlossaryReport, TranslatedSentence, Translation
from translate.translator import Translator

__all__ = [
    "Block", "EmptySourceError", "Glossary", "GlossaryError", "GlossaryReport", "MixedLanguageError", "ModelLoadError",
    "Sentence",
    "Skipped", "SourceDocument", "Term", "TranscriptionError", "Transcriber", "Transcript", "TranslatedSentence",
    "Translation", "TranslationError", "TranslationMemory", "Translator", "UnsupportedPairError", "check_given_language",
    "read_source",
]
