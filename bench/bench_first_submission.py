"""How long the first job submission on an install takes: the presenter's voice profile, then the
voice choice by speaker similarity, which needs the sample of every candidate voice in each
language (made now unless `polydub voices warm` or the service's start-up warm-up made them).

    # before: a fresh data folder, nothing warmed
    python bench/bench_first_submission.py --data-dir /tmp/fs-cold
    # after: warm first (timed apart), then submit in a new process
    polydub voices warm pt es --data-dir /tmp/fs-warm
    python bench/bench_first_submission.py --data-dir /tmp/fs-warm

One presenter (real footage: ../shared/media/presenter_a.mp4, or $POLYDUB_TEST_MEDIA), a script,
two languages (pt, es); the job is created, never run (no executor). Prints the wall and CPU
seconds of `JobService.submit` (CPU: every thread of this process), the voices chosen and how
many samples were on disk before and after.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline.jobs.spec import JobSpec  # noqa: E402
from pipeline.jobs.wiring import ServiceConfig, open_service  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--presenter", type=Path, help="default: presenter_a.mp4 of the shared media")
    parser.add_argument("--lang", nargs="+", default=["pt", "es"])
    args = parser.parse_args()
    media = Path(os.environ.get("POLYDUB_TEST_MEDIA") or Path(__file__).resolve().parents[2] / "shared" / "media")
    presenter = args.presenter or media / "presenter_a.mp4"
    if not presenter.is_file():
        print(f"no presenter at {presenter}: give --presenter or set POLYDUB_TEST_MEDIA", file=sys.stderr)
        return 2
    samples = args.data_dir / "voices" / "samples"
    before = len(list(samples.glob("*.wav"))) if samples.is_dir() else 0
    service = open_service(ServiceConfig(data_dir=args.data_dir, allow_paths=True, min_free_bytes=0),
                           with_executor=False)
    spec = JobSpec.from_dict({"text": "Clean the filling nozzle at the end of every shift.",
                              "presenters": [str(presenter)], "languages": list(args.lang)})
    t0, c0 = time.perf_counter(), time.process_time()
    job_id = service.submit(spec)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    voices = service.store.job(job_id)["spec"]["voices"]
    after = len(list(samples.glob("*.wav"))) if samples.is_dir() else 0
    chosen = sorted({v for per in voices.values() for v in per.values()})
    print(f"first submission: {seconds:.1f} s wall, {cpu:.1f} s CPU; voices {', '.join(chosen)}; "
          f"samples on disk {before} -> {after}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
