"""`polydub models list | verify | import PATH | fetch NAME`: the model store on this machine.
Only `fetch` uses the network, and only for the model named."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


#: `polydub models --help`: where models are looked for, and the folders the store reads
STORE_HELP = (
    "Manage the model store: $POLYDUB_MODELS, else the user data folder (or --models). A model is found "
    "at an explicit path, then in the store, then in the Python package that ships it. Besides imported "
    "entries the store reads wav2lip/ (wav2lip_gan.pth or wav2lip.pth), piper/ and loose *.onnx (Piper "
    "voices), kokoro/ and coqui/<name>/ (Coqui model folders). On a closed network, fetch on a connected "
    "machine, copy the folder, and import it here.")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("models", help="list, verify, import or fetch models (works offline except fetch)",
                       description=STORE_HELP)
    p.add_argument("--models", type=Path, metavar="DIR",
                   help="model store folder (default: $POLYDUB_MODELS or the user data folder)")
    verbs = p.add_subparsers(dest="verb", metavar="VERB")
    v = verbs.add_parser("list", help="every model known here, where it is found, kind and licence")
    v.set_defaults(func=run_list)
    v = verbs.add_parser("verify", help="check each model's checksums and load it")
    v.add_argument("names", nargs="*", metavar="NAME", help="models to verify (default: every model present)")
    v.set_defaults(func=run_verify)
    v = verbs.add_parser("import", help="copy a model folder (or file) into the store, checking its checksums")
    v.add_argument("path", type=Path, metavar="PATH", help="the folder copied from another machine")
    v.add_argument("--name", help="store it under this name (default: its manifest's name, else the folder name)")
    v.add_argument("--replace", action="store_true", help="overwrite a model of the same name")
    v.set_defaults(func=run_import)
    v = verbs.add_parser("fetch", help="download a catalogued model by name (uses the network; says from where)")
    v.add_argument("name", metavar="NAME", help="e.g. opus-mt-en-de (see `polydub models list`)")
    v.set_defaults(func=run_fetch)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def _store(args):
    from pipeline.models import ModelStore

    return ModelStore(args.models) if args.models else ModelStore()


def run_list(args) -> int:
    store = _store(args)
    print(f"model store: {store.root}")
    for m in store.list():
        where = f"{m.where}: {m.path}" if m.path else m.where
        print(f"  {m.name:<26} {m.kind:<15} {m.licence:<32} {where}")
    return 0


def run_verify(args) -> int:
    store = _store(args)
    names = args.names or [m.name for m in store.list() if m.where not in ("fetchable", "missing")]
    failed = 0
    for name in names:
        result = store.verify(name)
        loaded = {True: "loads", False: "does not load", None: "no load check"}[result.loaded]
        if result.ok:
            print(f"ok    {name}: {result.files_checked} file(s) match, {loaded} ({result.seconds:.1f} s)")
        else:
            failed += 1
            print(f"FAIL  {name}: {'; '.join(result.problems)}", file=sys.stderr)
    return 1 if failed else 0


def run_import(args) -> int:
    path = _store(args).import_(args.path, args.name, replace=args.replace)
    print(f"imported into {path}")
    return 0


def run_fetch(args) -> int:
    path = _store(args).fetch(args.name, say=print)
    print(f"fetched into {path}")
    return 0
