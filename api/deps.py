"""FastAPI dependencies, all in one place: settings, the job service, the link signer, the voice menus.

The token is checked before any route runs, by `api.security.Guard` (it must be: a route
dependency is resolved only after FastAPI has read the body)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request

from api.links import signer
from api.redact import scrub
from api.settings import Settings
from pipeline.jobs.capabilities import Capabilities
from pipeline.jobs.service import JobService
from pipeline.preflight import InputChecks
from pipeline.voice_menu import VoiceMenu


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_service(request: Request) -> JobService:
    return request.app.state.service


def get_capabilities(request: Request) -> Capabilities:
    """What can run here (languages with a translation model and a voice), for the service's
    runner; built on first use and kept on the app (it reads the model store again when the
    store's folder changes)."""
    caps = getattr(request.app.state, "capabilities", None)
    if caps is None:
        from pipeline.jobs.capabilities import capabilities_for

        caps = request.app.state.capabilities = capabilities_for(request.app.state.settings.runner)
    return caps


def get_input_checks(request: Request) -> InputChecks:
    """The pre-flight check (`pipeline.preflight.InputChecks`) a submission runs before a job is
    stored, the one `polydub localize` runs: through the service's own runner when it runs
    tasks in this process (inline), else one made from the settings' runner; built on first
    use and kept on the app."""
    checks = getattr(request.app.state, "input_checks", None)
    if checks is None:
        from pipeline.jobs.wiring import runner_factory

        executor = getattr(get_service(request), "executor", None)
        runner = getattr(executor, "runner", None)
        config = request.app.state.settings.service_config()
        checks = request.app.state.input_checks = InputChecks(runner_factory(config), runner=runner)
    return checks


def _same(text: Any) -> Any:
    return text


@dataclass(frozen=True)
class Outward:
    """How answers leave the service: `sign(url)` writes a link as the client should use it
    (signed when the service has a token); `hide(data)` cuts server paths out of every string."""

    sign: Callable[[str], str] = _same
    hide_text: Callable[[str | None], str | None] = field(default=_same)

    def hide(self, data: Any) -> Any:
        return scrub(data, self.hide_text)


def get_outward(request: Request) -> Outward:
    return Outward(signer(request.app.state.links), request.app.state.hide_paths)


def is_authenticated(request: Request) -> bool:
    """Whether the request carried the token (always, on a service without one)."""
    return bool(getattr(request.state, "authenticated", False))


def get_voice_menu(request: Request) -> VoiceMenu:
    """The voice menus (`pipeline.voice_menu.VoiceMenu`) over the service's presenter voices, whose
    samples are in `<data>/voices/samples`; built on first use and kept on the app."""
    menu = getattr(request.app.state, "voice_menu", None)
    if menu is None:
        menu = request.app.state.voice_menu = VoiceMenu(get_service(request).voices)
    return menu
