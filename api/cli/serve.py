"""`polydub serve`: the HTTP API and web page (uvicorn), on 127.0.0.1:7860 by default."""

from __future__ import annotations

import argparse
import sys

from api.cli.run import add_service_options, settings_from


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="start the job service: HTTP API and web page",
                       description="Start the job service (API, web page, worker processes). Binding to anything "
                                   "but loopback needs an API token.")
    p.add_argument("--host", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default 7860)")
    p.add_argument("--token", help="API token clients must send (or POLYDUB_TOKEN)")
    p.add_argument("--max-upload-mb", type=float, help="largest upload accepted")
    p.add_argument("--cors-origin", action="append", dest="cors_origins", metavar="URL",
                   help="allow this web origin (CORS is off by default)")
    p.add_argument("--allowed-host", action="append", dest="allowed_hosts", metavar="NAME",
                   help="a host name the service answers to, e.g. polydub.lan; repeat for more (POLYDUB_ALLOWED_HOSTS). "
                        "Replaces the default list (localhost, 127.0.0.1, [::1] and the bound address); '*': any")
    add_service_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from api.app import create_app

    settings = settings_from(args, "host", "port", "token", "max_upload_mb", "cors_origins",
                             "allowed_hosts")
    try:
        settings.check_bind()
    except ValueError as exc:
        print(f"polydub: error: {exc}", file=sys.stderr)
        return 2
    print(f"polydub: serving on http://{settings.host}:{settings.port}  (data in {settings.data_dir})", file=sys.stderr)
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="warning",
                timeout_graceful_shutdown=5)
    return 0
