"""The job kinds the back office knows: kind -> (function, queue, timeout, label)."""
import importlib
import pathlib
import pkgutil
from dataclasses import dataclass
from typing import Callable

QUEUES = ("recalc", "surveys", "default")  # SPEC §8


@dataclass(frozen=True)
class JobSpec:
    kind: str
    fn: Callable
    queue: str
    timeout: int
    label: object  # lazy translated name shown on the job-run screen


JOBS: dict[str, JobSpec] = {}


def job(kind, *, queue="default", timeout=3600, label=None):
    """Register ``fn(ctx)`` as the job of ``kind`` (called by module import side effect)."""
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue!r}")

    def register(fn):
        JOBS[kind] = JobSpec(kind, fn, queue, timeout, label or kind)
        return fn

    return register


def load_all():
    """Import every module that registers jobs (their decorators fill ``JOBS``).

    By name, from this package's folder: the job kinds are plug-ins that import the registry,
    never the other way round.
    """
    for info in pkgutil.iter_modules([str(pathlib.Path(__file__).parent)]):
        if info.name.startswith("kind_"):
            importlib.import_module(f"{__package__}.{info.name}")
    return JOBS
