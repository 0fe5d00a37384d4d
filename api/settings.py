"""Service settings, from arguments, `POLYDUB_*` environment variables or a `.env` file.

Never instantiated at import time: `create_app(settings)` and the CLI build one when asked.
"""

from __future__ import annotations

import ipaddress
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from pipeline.jobs.wiring import ServiceConfig


def default_data_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("polydub", appauthor=False))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="POLYDUB_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default_factory=default_data_dir, description="jobs, artifacts, logs and exports")
    host: str = Field("127.0.0.1", description="address to bind; anything but loopback needs a token")
    port: int = Field(7860, ge=0, le=65535)
    token: str | None = Field(None, description="API token; required when binding beyond loopback")
    max_upload_mb: float = Field(2048.0, gt=0, description="largest accepted upload")
    max_json_mb: float = Field(4.0, gt=0, description="largest accepted JSON body (jobs, edits, approvals)")
    max_script_chars: int = Field(200_000, ge=1, description="longest accepted script, in characters")
    allowed_hosts: list[str] = Field(default_factory=list,
                                     description="host names the service answers to (any port); default: "
                                                 "localhost, 127.0.0.1, [::1] and the bound address; '*' for any")
    link_ttl_s: float = Field(3600.0, gt=0, description="signed download and event links live at least this long")
    free_space_probe: str | None = Field(None, description="module:attribute of a function(data_dir) -> free bytes "
                                                           "(tests); default: the file system's free space")
    min_free_gb: float = Field(1.0, ge=0, description="new jobs are refused below this much free disk")
    retention_days: float = Field(30.0, ge=0, description="`polydub gc` removes finished jobs older than this (0: keep)")
    executor: str = Field("local", description="local, or ray (issue 7)")
    ray_address: str | None = Field(None, description="with executor=ray: 'auto' joins a running cluster, "
                                                      "an address joins that one, none starts a local Ray")
    artifact_store: str | None = Field(None, description="where artifacts live: a folder every node reaches, "
                                                          "or an fsspec URL (s3://..., file://...); default: data_dir/artifacts")
    executor_options: dict = Field(default_factory=dict, description="extra options for the executor")
    runner: str = Field("pipeline.jobs.runner:PipelineRunner", description="step runner factory, module:attribute")
    cpu_workers: int = Field(1, ge=1, description="worker processes for analysis, translation, speech, packing")
    device_slots: int = Field(1, ge=1, description="render slots: one render at a time per slot")
    max_attempts: int = Field(2, ge=1, description="tries per task before it fails (input errors fail at once)")
    cors_origins: list[str] = Field(default_factory=list, description="CORS is off unless origins are listed")
    log_level: str = "INFO"
    warm_voices: bool = Field(True, description="at start-up, make every voice's sample (its profile for choosing "
                                                "a voice, the menu's audio) in the background; progress in /health")
    warm_voice_languages: list[str] = Field(default_factory=list,
                                            description="the languages to warm (empty: every one with a sample "
                                                        "text: en, pt, es, it, de, fr)")

    @field_validator("token")
    @classmethod
    def _token(cls, value: str | None) -> str | None:
        """Surrounding spaces are not part of a token; a blank token would protect nothing."""
        if value is None:
            return None
        if not value.strip():
            raise ValueError("the API token is blank; give a real token or leave it unset")
        return value.strip()

    @property
    def max_json_bytes(self) -> int:
        return int(self.max_json_mb * (1 << 20))

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * (1 << 20))

    def service_config(self, **overrides: Any) -> ServiceConfig:
        """These settings as the job service's wiring (`pipeline.jobs.open_service`), the one
        mapping the HTTP app and the command line share; `overrides` replace config fields
        (the CLI: models_dir, only_own_jobs, allow_paths)."""
        from pipeline.jobs.wiring import ServiceConfig

        config = ServiceConfig(
            data_dir=Path(self.data_dir), executor=self.executor, runner=self.runner,
            artifact_store=self.artifact_store, cpu_workers=self.cpu_workers, device_slots=self.device_slots,
            max_attempts=self.max_attempts, ray_address=self.ray_address, executor_options=dict(self.executor_options),
            min_free_bytes=int(self.min_free_gb * 1e9), retention_days=self.retention_days,
            free_space_probe=self.free_space_probe)
        return replace(config, **overrides)

    def is_loopback(self) -> bool:
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False

    def check_bind(self) -> None:
        """Refuse to serve beyond this machine without a token."""
        if not self.is_loopback() and not self.token:
            raise ValueError(f"binding to {self.host} exposes the service beyond this machine: "
                             "set a token (--token or POLYDUB_TOKEN) or bind to 127.0.0.1")
