"""The one way to wire a job service: `open_service(ServiceConfig(...))`.

The HTTP API maps its settings onto `ServiceConfig`, the command line its options; both get a
`JobService` on a data folder (job store `jobs.sqlite`, artifact store `artifacts/`, logs,
exports) with the executor named in the config, not started.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from pipeline.jobs.service import JobService


def default_data_dir() -> Path:
    """The user data folder (platformdirs), where jobs and artifacts live unless told otherwise."""
    import platformdirs

    return Path(platformdirs.user_data_dir("polydub", appauthor=False))


@dataclass(frozen=True)
class ServiceConfig:
    """How a service is wired. `executor`: inline (this process, tasks run by
    `InlineExecutor.run`), local (worker processes) or ray. `only_own_jobs`: the executor runs
    only the jobs handed to it (the CLI beside a running service on the same folder)."""

    data_dir: Path = field(default_factory=default_data_dir)
    executor: str = "local"
    runner: str = "pipeline.jobs.runner:PipelineRunner"
    #: the model store's root for the runner (None: $POLYDUB_MODELS or the user data folder)
    models_dir: Path | None = None
    #: a folder every node reaches, or an fsspec URL; None: data_dir/artifacts
    artifact_store: str | None = None
    cpu_workers: int = 1
    device_slots: int = 1
    max_attempts: int = 2
    ray_address: str | None = None
    executor_options: Mapping[str, Any] = field(default_factory=dict)
    only_own_jobs: bool = False
    #: whether specs may name files on this machine (the command line); HTTP takes uploads only
    allow_paths: bool = False
    min_free_bytes: int = 1 << 30
    retention_days: float = 30.0
    #: "module:attribute" of a function(data_dir) -> free bytes (tests); None: the file system's
    free_space_probe: str | None = None


def runner_factory(config: ServiceConfig):
    """The step-runner factory every worker calls (picklable: a partial of module:attribute)."""
    from pipeline.jobs.local import load_factory

    kwargs: dict[str, Any] = {"data_dir": str(config.data_dir)}
    if config.models_dir is not None:
        kwargs["models_dir"] = str(config.models_dir)
    return partial(load_factory(config.runner), **kwargs)


def _executor_options(config: ServiceConfig) -> dict[str, Any]:
    options: dict[str, Any] = {"max_attempts": config.max_attempts}
    if config.executor == "local":
        options.update(cpu_workers=config.cpu_workers, device_slots=config.device_slots)
        if config.only_own_jobs:
            options.update(requeue=False, only_jobs=set())
    elif config.executor == "ray":  # device_slots: engine workers when the cluster has no GPU
        options.update(address=config.ray_address, device_slots=config.device_slots)
    elif config.executor == "inline":
        options.update(only_jobs=set())
    options.update(config.executor_options)
    return options


def open_service(config: ServiceConfig, *, with_executor: bool = True) -> JobService:
    """The job service on `config.data_dir` with its executor (not started)."""
    from pipeline.jobs.artifacts import ArtifactStore
    from pipeline.jobs.executor import create_executor
    from pipeline.jobs.local import load_factory
    from pipeline.jobs.store import JobStore

    data = Path(config.data_dir).expanduser()
    data.mkdir(parents=True, exist_ok=True)
    store = JobStore(data / "jobs.sqlite")
    if config.artifact_store:
        from pipeline.jobs.remote_store import open_artifact_store

        artifacts = open_artifact_store(config.artifact_store, cache_dir=data / "artifacts")
    else:
        artifacts = ArtifactStore(data / "artifacts")
    executor = None
    if with_executor:
        executor = create_executor(config.executor, store, artifacts, runner_factory(config),
                                   **_executor_options(config))
    probe = load_factory(config.free_space_probe) if config.free_space_probe else None
    return JobService(store, artifacts, executor, data_dir=data, min_free_bytes=config.min_free_bytes,
                      retention_days=config.retention_days, allow_paths=config.allow_paths, free_space=probe)


def adopt(service: JobService, job_id: str) -> None:
    """Let an executor opened with `only_own_jobs` run `job_id` (others run every job)."""
    executor = service.executor
    if executor is None:
        return
    if hasattr(executor, "adopt"):
        executor.adopt(job_id)
    else:
        only = getattr(getattr(executor, "scheduler", None), "only_jobs", None)
        if only is not None:
            only.add(job_id)
    executor.wake()


__all__ = ["ServiceConfig", "adopt", "default_data_dir", "open_service", "runner_factory"]
