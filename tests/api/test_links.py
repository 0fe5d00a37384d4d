"""Signed links (api/links.py): bound to their path, valid until their expiry, void with another token."""

from __future__ import annotations

from api.links import STEP, Links, signer


def _parts(url: str) -> tuple[str, str, str]:
    path, query = url.split("?", 1)
    params = dict(p.split("=", 1) for p in query.split("&"))
    return path, params["exp"], params["sig"]


def test_a_link_lives_at_least_its_ttl_and_no_longer_than_ttl_plus_a_step():
    now = [1_000_000.0]
    links = Links.for_token("s3cret", ttl_s=3600)
    links = Links(links.key, 3600, clock=lambda: now[0])
    path, exp, sig = _parts(links.sign("/jobs/j1/packs/pt.zip"))
    assert path == "/jobs/j1/packs/pt.zip" and 3600 <= int(exp) - now[0] <= 3600 + STEP
    assert links.verify(path, exp, sig)
    now[0] = int(exp) + 1
    assert not links.verify(path, exp, sig)


def test_a_signature_is_for_its_path_its_expiry_and_its_token():
    links = Links.for_token("s3cret")
    path, exp, sig = _parts(links.sign("/jobs/j1/videos/pt/a.mp4?download=true"))
    assert links.verify(path, exp, sig)
    assert not links.verify("/jobs/j2/videos/pt/a.mp4", exp, sig)
    assert not links.verify(path, str(int(exp) + STEP), sig)
    assert not links.verify(path, "soon", sig)
    assert not Links.for_token("other").verify(path, exp, sig)


def test_links_of_a_service_without_a_token_are_left_alone():
    assert Links.for_token(None) is None and Links.for_token("") is None
    assert signer(None)("/jobs/j1/events") == "/jobs/j1/events"
    assert "download=true&exp=" in signer(Links.for_token("t"))("/v.mp4?download=true")
