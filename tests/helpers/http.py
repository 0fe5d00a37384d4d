"""Raw HTTP over a socket, for what httpx hides: when the server answers while the client is
still sending a body, and whether it read that body at all."""

from __future__ import annotations

import select
import socket
import time
from collections.abc import Iterable


def head(method: str, path: str, port: int, headers: dict[str, str]) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def chunked(parts: Iterable[bytes]) -> Iterable[bytes]:
    """The parts in HTTP/1.1 chunked framing (RFC 9112 section 7.1), without the last chunk."""
    for p in parts:
        yield f"{len(p):x}\r\n".encode() + p + b"\r\n"


def send_until_answer(port: int, start: bytes, body: Iterable[bytes], wait: float = 10.0) -> tuple[int | None, int]:
    """Send `start`, then body pieces until the server answers; returns (status or None, body
    bytes sent before the answer came). After the body runs out, waits `wait` s for an answer."""
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as s:
        s.sendall(start)
        try:
            for piece in body:
                if select.select([s], [], [], 0)[0]:
                    break
                s.sendall(piece)
                sent += len(piece)
        except OSError:  # the server closed the connection on an unread body: look for its answer
            pass
        deadline = time.monotonic() + wait
        data = b""
        while b"\r\n" not in data and time.monotonic() < deadline:
            if not select.select([s], [], [], max(0.0, deadline - time.monotonic()))[0]:
                break
            try:
                got = s.recv(65536)
            except OSError:
                break
            if not got:
                break
            data += got
    status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/1.1 ") else None
    return status, sent
