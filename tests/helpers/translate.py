"""What the translation tests (and bench/bench_translate.py) build in code: a short SOP, counting
fake engines, and a MarianMT model with random weights and a sentencepiece model trained on a
few sentences."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from translate.backends import ModelSpec

SOP = """\
# Cleaning the filling nozzle

Clean the filling nozzle at the end of every shift. Wear gloves and safety glasses before you start.

1. Switch off the machine and wait 5 minutes for it to cool.
2. Remove the nozzle and rinse it with warm water.
3. Dry the nozzle with a clean cloth and put it back.

- Never use a metal brush.
- Report damage to your supervisor.
"""

_TRAINING = [
    "Open the valve.", "Close the valve.", "Wear gloves.", "Check the pressure gauge before you start.",
    "Abra a válvula.", "Feche a válvula.", "Use luvas.", "Verifique o manômetro antes de começar.",
    "Öffnen Sie das Ventil.", "Schließen Sie das Ventil.", "Tragen Sie Handschuhe.",
]


@dataclass
class FakeEngine:
    """An engine that applies `fn` and counts the sentences it was asked to translate."""

    spec: ModelSpec
    fn: Callable[[str], str]
    calls: int = 0
    batches: list = field(default_factory=list)

    def translate_batch(self, texts: Sequence[str]) -> list[str]:
        self.calls += len(texts)
        self.batches.append(list(texts))
        return [self.fn(t) for t in texts]


def fake_engine(source: str, target: str, fn: Callable[[str], str], name: str = "fake") -> FakeEngine:
    return FakeEngine(ModelSpec("fake", Path(f"/nonexistent/{name}"), source, target, f"fake/{name}"), fn)


def build_tiny_marian(out: Path, *, d_model: int = 32, layers: int = 1, ffn: int = 64, heads: int = 2) -> Path:
    """A MarianMT model with random weights in the layout save_pretrained writes (OPUS-MT's
    vocabulary order: </s>=0, <unk>=1, ..., <pad> last). The defaults make a tiny model; the
    benchmark also builds one of OPUS-MT's size (d_model=512, layers=6, ffn=2048, heads=8)."""
    import sentencepiece as spm
    import torch
    from transformers import MarianConfig, MarianMTModel, MarianTokenizer

    out.mkdir(parents=True, exist_ok=True)
    vocab = {"</s>": 0, "<unk>": 1}
    for name in ("source", "target"):
        spm.SentencePieceTrainer.train(
            sentence_iterator=iter(_TRAINING * 10), model_prefix=str(out / name), vocab_size=48,
            hard_vocab_limit=False, model_type="unigram", character_coverage=1.0,
            bos_id=-1, eos_id=0, unk_id=1, pad_id=-1, minloglevel=2)
        (out / f"{name}.model").rename(out / f"{name}.spm")
        (out / f"{name}.vocab").unlink()
        sp = spm.SentencePieceProcessor(model_file=str(out / f"{name}.spm"))
        for i in range(sp.get_piece_size()):
            vocab.setdefault(sp.id_to_piece(i), len(vocab))
    vocab["<pad>"] = len(vocab)
    (out / "vocab.json").write_text(json.dumps(vocab), encoding="utf-8")
    tokenizer = MarianTokenizer(str(out / "source.spm"), str(out / "target.spm"), str(out / "vocab.json"))
    config = MarianConfig(
        vocab_size=len(vocab), d_model=d_model, encoder_layers=layers, decoder_layers=layers,
        encoder_attention_heads=heads, decoder_attention_heads=heads, encoder_ffn_dim=ffn, decoder_ffn_dim=ffn,
        max_position_embeddings=512,
        pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id,
        decoder_start_token_id=tokenizer.pad_token_id, forced_eos_token_id=tokenizer.eos_token_id)
    torch.manual_seed(0)
    MarianMTModel(config).eval().save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out
