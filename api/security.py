"""The service's front door, as one pure ASGI middleware that runs before any route reads a body.

In order, for each HTTP request:

1. **Host allow-list** (against DNS rebinding: a page on `evil.example` that re-points its name
   to 127.0.0.1 still sends `Host: evil.example`). Refused with 400.
2. **Cross-site writes**: a state-changing request (POST, PUT, PATCH, DELETE) whose `Origin` is
   another site (`Origin: null` included) or whose `Sec-Fetch-Site` is `cross-site` is refused
   with 403, token or not; origins in `cors_origins` stay allowed. Requests with neither header
   (curl, scripts) pass. Form encodings are refused (415) everywhere but the two upload
   endpoints, so no HTML form can drive the API.
3. **Token**, from the headers only (`Authorization: Bearer <token>`), or a signed link
   (`api.links`) for GET: answered 401 before a single body byte is read.
4. **Body limits** counted as the bytes arrive (chunked bodies have no length): uploads to
   `/presenters` and `/uploads` up to `max_upload_mb`, everything else up to `max_json_mb`;
   413 as soon as the count passes the limit, the rest of the body never read.
5. **Free disk** for uploads: 507 before the body is read, and again while it streams, when the
   data folder has less than `min_free_gb` free.

Every answer carries `X-Frame-Options: DENY`, `Content-Security-Policy: frame-ancestors 'none'`,
`X-Content-Type-Options: nosniff` and `Referrer-Policy: same-origin`.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

from api.links import Links
from api.settings import Settings

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
#: Paths anyone may read: the page, its assets, the API description and the liveness probe.
PUBLIC = ("/web/", "/static-offline-docs/")
PUBLIC_EXACT = frozenset({"/", "/health", "/version", "/docs", "/docs/oauth2-redirect", "/redoc",
                          "/openapi.json", "/favicon.ico"})
UPLOADS = frozenset({"/presenters", "/uploads", "/jobs/upload"})
#: Encodings an HTML form can send without a CORS preflight (WHATWG Fetch, "CORS-safelisted
#: request-header": Content-Type).
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data", "text/plain"})
#: Room for multipart boundaries and part headers on top of the file bytes.
MULTIPART_SLACK = 1 << 20
#: How often (bytes) a streaming upload probes the free disk again.
DISK_PROBE_EVERY = 8 << 20
SECURITY_HEADERS = [
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
]


#: how an operator lets another site's page change things (the serve option and its variable, as README says)
ALLOW_SITE = ("if it should be allowed, start the service with --cors-origin ORIGIN "
              "(or list it in POLYDUB_CORS_ORIGINS)")


class Refused(Exception):
    """A request the guard answers itself: `status` and a one-line `detail`."""

    def __init__(self, status: int, detail: str, headers: list[tuple[bytes, bytes]] | None = None):
        super().__init__(detail)
        self.status, self.detail, self.headers = status, detail, headers or []


def host_name(host: str) -> str:
    """`Host`/`Origin` authority -> lower-case name without port or trailing dot;
    `[::1]:8000` -> `[::1]`."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[: host.find("]") + 1] if "]" in host else host
    if host.count(":") == 1:
        host = host.split(":", 1)[0]
    return host.rstrip(".")


def allowed_hosts(settings: Settings) -> frozenset[str] | None:
    """The host names this service answers to; None when `*` is listed (any). By default
    loopback and the bound address; bound to every interface (0.0.0.0, ::), this machine's
    name and its addresses."""
    names = list(settings.allowed_hosts) or ["localhost", "127.0.0.1", "[::1]"]
    if not settings.allowed_hosts:
        names.append(settings.host)
        if settings.host in ("0.0.0.0", "::", ""):
            names.extend(_this_machine())
    if "*" in names:
        return None
    out = set()
    for n in names:
        n = n.strip().lower().rstrip(".")
        out.add(f"[{n}]" if ":" in n and not n.startswith("[") else n)
    return frozenset(out)


def _this_machine() -> list[str]:
    import socket

    names = [socket.gethostname(), socket.getfqdn()]
    try:
        names += [info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None)]
    except OSError:  # a host name that does not resolve: its name is all there is
        pass
    return names


class Guard:
    """Pure ASGI middleware: `Guard(app, settings, links=None, free_bytes=None)`.

    `links` checks signed links (None: the token's own); `free_bytes()` -> free bytes in the
    data folder, asked of the app's service when not given (`scope["app"].state.service`)."""

    def __init__(self, app: ASGIApp, settings: Settings, links: Links | None = None,
                 free_bytes: Callable[[], int] | None = None):
        self.app = app
        self.settings = settings
        self.hosts = allowed_hosts(settings)
        self.cors = frozenset(o.rstrip("/").lower() for o in settings.cors_origins)
        self.links = links or Links.for_token(settings.token, settings.link_ttl_s)
        self.free_bytes = free_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        send = _with_headers(send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        try:
            self._check_host(headers)
            self._check_site(scope, headers)
            refusal = self._token_refusal(scope, headers)
            scope.setdefault("state", {})["authenticated"] = not refusal
            if refusal and not _public(scope["path"]):
                raise Refused(401, refusal, [(b"www-authenticate", b"Bearer")])
            limit, upload = self._limit(scope)
            length = headers.get("content-length", "")
            if length.isdigit() and int(length) > limit:
                raise Refused(413, _too_large(limit, upload))
            if upload:
                self._check_disk(scope, int(length) if length.isdigit() else 0)
        except Refused as r:
            return await _answer(send, r)
        await self._forward(scope, receive, send, limit, upload)

    # ------------------------------------------------------------------ checks
    def _check_host(self, headers: dict[str, str]) -> None:
        host = headers.get("host")
        if self.hosts is None or host is None:  # no Host at all: HTTP/1.0, never a browser
            return
        if host_name(host) not in self.hosts:
            raise Refused(400, f"host name {host_name(host)!r} is not served here; add it to "
                               "POLYDUB_ALLOWED_HOSTS if this service should answer to it")

    def _check_site(self, scope: Scope, headers: dict[str, str]) -> None:
        if scope["method"] in SAFE_METHODS:
            return
        origin = headers.get("origin")
        listed = origin is not None and origin.rstrip("/").lower() in self.cors
        if origin is not None and not listed:
            same = origin != "null" and urlsplit(origin).netloc.lower() == headers.get("host", "").lower()
            if not same:
                raise Refused(403, f"refused a change requested by another site ({origin}); {ALLOW_SITE}")
        if headers.get("sec-fetch-site") == "cross-site" and not listed:
            raise Refused(403, f"refused a change requested by another site (Sec-Fetch-Site: cross-site); {ALLOW_SITE}")
        kind = headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if kind in FORM_TYPES and scope["path"].rstrip("/") not in UPLOADS:
            raise Refused(415, f"{scope['path']} takes a JSON body (Content-Type: application/json), not {kind}")

    def _token_refusal(self, scope: Scope, headers: dict[str, str]) -> str:
        """"" when the request may pass (no token set, the right token, a valid signed link), else
        the 401 line: no token given, the token is wrong, or the link's signature does not hold.
        Each says what to send and nothing of the token (not its length, not how it differs)."""
        token = self.settings.token
        if not token:
            return ""
        auth = headers.get("authorization", "")
        if auth[:7].lower() == "bearer ":
            if hmac.compare_digest(auth[7:].strip().encode(), token.encode()):
                return ""
            return ("the token is wrong: send the one this polydub service was started with "
                    "(--token or POLYDUB_TOKEN) as 'Authorization: Bearer <token>'")
        # Never `?token=` in a query string: URLs end up in logs, history and Referer headers;
        # a link that must work without headers (downloads, event streams) is a signed one.
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        if scope["method"] in ("GET", "HEAD") and "sig" in query and self.links is not None:
            if self.links.verify(scope["path"], query.get("exp", [""])[0], query["sig"][0]):
                return ""
            return ("this link's signature is wrong or has expired: get the job again "
                    "(GET /jobs/{id}) for fresh links, or send the token")
        return ("no token given: this polydub service needs its API token; send 'Authorization: Bearer <token>' "
                "(the one it was started with: --token or POLYDUB_TOKEN)")

    def _limit(self, scope: Scope) -> tuple[int, bool]:
        upload = scope["method"] == "POST" and scope["path"].rstrip("/") in UPLOADS
        if upload:
            return self.settings.max_upload_bytes + MULTIPART_SLACK, True
        return self.settings.max_json_bytes, False

    def _free(self, scope: Scope) -> int | None:
        if self.free_bytes is not None:
            return self.free_bytes()
        service = getattr(getattr(scope.get("app"), "state", None), "service", None)
        return service.free_bytes() if service is not None else None

    def _check_disk(self, scope: Scope, coming: int) -> None:
        need = int(self.settings.min_free_gb * 1e9)
        free = self._free(scope)
        if free is not None and free - coming < need:
            raise Refused(507, f"only {free / 1e9:.1f} GB free in the data folder (need "
                               f"{need / 1e9:.1f} GB after this upload); delete old jobs or run `polydub gc`")

    # ------------------------------------------------------------------ the body
    async def _forward(self, scope: Scope, receive: Receive, send: Send, limit: int, upload: bool) -> None:
        """Run the app with a `receive` that counts the body and stops it at the limit: the guard
        answers itself, the app sees a disconnect, and whatever it sends after is dropped."""
        seen, probed, answered = 0, 0, False

        async def counted() -> Message:
            nonlocal seen, probed, answered
            if answered:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                refusal = None
                if seen > limit:
                    refusal = Refused(413, _too_large(limit, upload))
                elif upload and (seen - probed >= DISK_PROBE_EVERY or not message.get("more_body")):
                    probed = seen
                    try:
                        self._check_disk(scope, 0)
                    except Refused as r:
                        refusal = r
                if refusal is not None:
                    answered = True
                    await _answer(send, refusal)
                    return {"type": "http.disconnect"}
            return message

        async def quiet(message: Message) -> None:
            if not answered:
                await send(message)

        try:
            await self.app(scope, counted, quiet)
        except Exception:
            if not answered:
                raise
            log.debug("the app stopped after the guard refused the body", exc_info=True)


def _public(path: str) -> bool:
    return path in PUBLIC_EXACT or path.startswith(PUBLIC)


def _too_large(limit: int, upload: bool) -> str:
    if upload:
        mb = (limit - MULTIPART_SLACK) / (1 << 20)
        return f"request larger than the upload limit of {mb:.0f} MB (POLYDUB_MAX_UPLOAD_MB)"
    return f"request body larger than {limit / (1 << 20):.0f} MB (POLYDUB_MAX_JSON_MB)"


def _with_headers(send: Send) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            present = {k.lower() for k, _ in message.get("headers", [])}
            message["headers"] = list(message.get("headers", [])) + [h for h in SECURITY_HEADERS if h[0] not in present]
        await send(message)
    return wrapped


async def _answer(send: Send, refusal: Refused) -> None:
    body = json.dumps({"detail": refusal.detail}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
               (b"connection", b"close"), *refusal.headers]
    await send({"type": "http.response.start", "status": refusal.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
