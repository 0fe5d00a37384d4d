"""Renderers by name. Each entry is imported only when it is asked for, so an optional
renderer (Wav2Lip, torch) costs nothing until used.

A new renderer adds one line here: its name and ``"module:Class"``; the class follows the
`Renderer` protocol in `lipsync.renderers.base`.
"""

from __future__ import annotations

import importlib
from types import MappingProxyType
from typing import Any

from lipsync.errors import UnknownRendererError
from lipsync.renderers.base import FrameInput, Renderer, RenderJob

RENDERERS = MappingProxyType({
    "exemplar": "lipsync.renderers.exemplar:ExemplarRenderer",
    "warp": "lipsync.renderers.warp:WarpRenderer",
    "wav2lip": "lipsync.wav2lip:Wav2LipRenderer",
})

#: names accepted besides the registry's: "auto" lets the engine choose from the analysis
CHOICES = ("auto", *RENDERERS)


def renderer_class(name: str) -> type[Renderer]:
    """The renderer class registered under `name`."""
    try:
        target = RENDERERS[name]
    except KeyError:
        raise UnknownRendererError(
            f"unknown renderer {name!r}; choose one of: {', '.join(CHOICES)}") from None
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


def create_renderer(name: str, *, device: str = "cpu", **options: Any) -> Renderer:
    """A new renderer instance of the registered class `name`."""
    return renderer_class(name)(device=device, **options)


__all__ = ["CHOICES", "RENDERERS", "FrameInput", "RenderJob", "Renderer", "UnknownRendererError",
           "create_renderer", "renderer_class"]
