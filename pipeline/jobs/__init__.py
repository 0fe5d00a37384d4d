"""The job service: specs planned into task graphs, a content-addressed artifact store, a
durable SQLite job store, and executors that run the graphs (DESIGN.md, "Jobs, service and
scale")."""

from pipeline.jobs.artifacts import ArtifactStore
from pipeline.jobs.executor import Executor, Scheduler, StepRunner, TaskCall, execute
from pipeline.jobs.plan import TaskNode, plan
from pipeline.jobs.spec import JobSpec, Preview
from pipeline.jobs.store import JobStore
from pipeline.jobs.wiring import ServiceConfig, open_service

__all__ = ["ArtifactStore", "Executor", "JobSpec", "JobStore", "Preview", "Scheduler", "ServiceConfig", "StepRunner",
           "TaskCall", "TaskNode", "execute", "open_service", "plan"]
