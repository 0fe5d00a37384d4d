"""Short-lived signed links, so `<video src>`, download links and `EventSource` (which cannot
send headers) work on a token-protected service without the token in the URL.

A link is `path?exp=<unix seconds>&sig=<HMAC-SHA256(key, path + "\\n" + exp), hex>`; the key is
derived from the token (HMAC, RFC 2104), so changing the token voids every link. The signature
binds the path only: extra query parameters (`?download=true`) may be added.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

#: Links are stamped to the next whole STEP seconds, so a job's snapshot (and its event stream)
#: does not change every second just because its links were signed again.
STEP = 600


@dataclass(frozen=True)
class Links:
    """Signs and checks link paths with a key; `ttl_s`: a link lives at least this long."""

    key: bytes
    ttl_s: float = 3600.0
    clock: Callable[[], float] = time.time

    @classmethod
    def for_token(cls, token: str | None, ttl_s: float = 3600.0) -> Links | None:
        """None without a token: links then need no signature."""
        if not token:
            return None
        return cls(hmac.new(token.encode(), b"polydub signed links", hashlib.sha256).digest(), ttl_s)

    def _sig(self, path: str, exp: str) -> str:
        return hmac.new(self.key, f"{path}\n{exp}".encode(), hashlib.sha256).hexdigest()

    def sign(self, url: str) -> str:
        """`/jobs/j1/packs/pt.zip` -> `/jobs/j1/packs/pt.zip?exp=...&sig=...`."""
        path, _, query = url.partition("?")
        exp = str(int(math.ceil((self.clock() + self.ttl_s) / STEP) * STEP))
        signed = f"exp={exp}&sig={self._sig(path, exp)}"
        return f"{path}?{query}&{signed}" if query else f"{path}?{signed}"

    def verify(self, path: str, exp: str, sig: str) -> bool:
        """Whether `sig` signs `path` until `exp` and `exp` has not passed."""
        if not exp.isdigit() or int(exp) < self.clock():
            return False
        return hmac.compare_digest(sig.encode(), self._sig(path, exp).encode())


def signer(links: Links | None) -> Callable[[str], str]:
    """The function routes use to write links: signs with a token, leaves them alone without."""
    return links.sign if links is not None else (lambda url: url)
