"""Translation speed: sentences per second per backend, cold load time, and the speed-up of
CTranslate2 over transformers on the same Marian weights.

    .venv/bin/python bench/bench_translate.py [--sentences 60] [--threads 1]

Bergamot runs the bundled en->pt-BR model on SOP sentences. No real MarianMT model can be
installed from the package index, so the Marian rows use random-weight models built here: a
tiny one (d_model 32, 1 layer) and one of OPUS-MT's size (d_model 512, 6+6 layers; its vocabulary
is tiny, so the output projection is cheaper than OPUS-MT's 58k-token one). Random weights never
emit end-of-sentence, so the Marian decoders are run for a fixed 32 tokens per sentence, greedy,
the same work for both engines; sentences/s there is a cost figure, not a quality one.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.helpers.translate import SOP, build_tiny_marian  # noqa: E402
from translate import Translator, read_source  # noqa: E402
from translate.backends import backend_kinds, discover  # noqa: E402
from translate.backends.ctranslate import convert_marian  # noqa: E402

STEPS = 32


def sentences(n: int) -> list[str]:
    base = [s.text for s in read_source(SOP).sentences]
    return [f"{base[i % len(base)]}" for i in range(n)]


def bench_bergamot(texts: list[str]) -> None:
    t = time.perf_counter()
    translator = Translator()
    translator.translate(texts[:1], "en", "pt")
    cold = time.perf_counter() - t
    t = time.perf_counter()
    translator.translate(texts, "en", "pt")  # no memory: every sentence reaches the engine
    rate = len(texts) / (time.perf_counter() - t)
    print(f"bergamot en->pt-BR (bundled)      cold load+1 sentence {cold:6.2f} s   {rate:7.1f} sentences/s")


def fixed_steps(marian, ct2, texts: list[str]) -> tuple[float, float]:
    import torch

    tok = marian.tokenizer
    batch = tok(texts, return_tensors="pt", padding=True)
    t = time.perf_counter()
    with torch.inference_mode():
        marian.model.generate(**batch, num_beams=1, do_sample=False, min_new_tokens=STEPS, max_new_tokens=STEPS)
    hf = len(texts) / (time.perf_counter() - t)
    tokens = [ct2.source_sp.encode(x, out_type=str) + ["</s>"] for x in texts]
    t = time.perf_counter()
    ct2.translator.translate_batch(tokens, beam_size=1, min_decoding_length=STEPS, max_decoding_length=STEPS,
                                   max_batch_size=len(texts))
    c2 = len(texts) / (time.perf_counter() - t)
    return hf, c2


def bench_marian(tmp: Path, label: str, texts: list[str], threads: int, **size) -> None:
    import torch

    torch.set_num_threads(threads)
    folder = build_tiny_marian(tmp / f"opus-mt-en-de-{label}", **size)
    converted = convert_marian(folder, tmp / f"ct2-en-de-{label}")
    t = time.perf_counter()
    marian = backend_kinds()["marian"].load(discover(folder)[0], "cpu")
    cold_hf = time.perf_counter() - t
    spec = dataclasses.replace(discover(converted)[0], options={"threads": threads})
    t = time.perf_counter()
    ct2 = backend_kinds()["ctranslate2"].load(spec, "cpu")
    cold_c2 = time.perf_counter() - t
    fixed_steps(marian, ct2, texts[:2])  # warm-up
    hf, c2 = fixed_steps(marian, ct2, texts)
    print(f"marian {label:<5} transformers fp32  cold load {cold_hf:6.2f} s   {hf:7.1f} sentences/s ({STEPS} tokens each)")
    print(f"marian {label:<5} ctranslate2 int8   cold load {cold_c2:6.2f} s   {c2:7.1f} sentences/s "
          f"-> CTranslate2 speed-up x{c2 / hf:.1f}")


def bench_transcribe() -> None:
    """Whisper base on the shared narration, when the real media is present."""
    from tests.helpers.footage import shared_media_dir

    media = shared_media_dir()
    if media is None:
        print("transcription: skipped (no ../shared/media)")
        return
    import soundfile as sf

    from pipeline.models import ModelStore
    from translate import Transcriber

    audio, rate = sf.read(str(media / "narration_en.wav"), dtype="float32")
    seconds = len(audio) / rate
    t = time.perf_counter()
    transcriber = Transcriber(ModelStore().path("whisper-base"))
    _ = transcriber.model
    cold = time.perf_counter() - t
    t = time.perf_counter()
    transcriber.transcribe(audio, rate)
    took = time.perf_counter() - t
    print(f"whisper base int8 transcription   cold load {cold:6.2f} s   {seconds / took:7.2f}x real time "
          f"({seconds:.1f} s of speech in {took:.2f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=60)
    parser.add_argument("--threads", type=int, default=1, help="CPU threads for torch and CTranslate2 (same for both)")
    parser.add_argument("--skip-base", action="store_true", help="only the tiny Marian model")
    args = parser.parse_args()
    texts = sentences(args.sentences)
    print(f"{len(texts)} SOP sentences, {args.threads} thread(s), CPU")
    bench_bergamot(texts)
    bench_transcribe()
    with tempfile.TemporaryDirectory(prefix="polydub-bench-") as tmp:
        bench_marian(Path(tmp), "tiny", texts, args.threads)
        if not args.skip_base:
            bench_marian(Path(tmp), "base", texts, args.threads, d_model=512, layers=6, ffn=2048, heads=8)


if __name__ == "__main__":
    main()
