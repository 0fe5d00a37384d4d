"""Test runners: the cheap `CountingRunner`, but checked at job creation like the real one."""

from __future__ import annotations

from pipeline.jobs.capabilities import ModelCapabilities
from pipeline.jobs.testing import CountingRunner


class ModelCheckedRunner(CountingRunner):
    """Runs cheap steps, but the service refuses what the model store ($POLYDUB_MODELS) and the
    installed voices cannot do, as it does for `pipeline.jobs.runner.PipelineRunner`."""

    capabilities = staticmethod(ModelCapabilities)
