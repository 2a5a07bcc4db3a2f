"""Queueing and running tasks.

Backends (``KECHUANG_TASKS_BACKEND``):

- ``thread`` (embedded default): a pool of threads in the web process; no other server.
- ``rq``: a Redis queue (``KECHUANG_REDIS_URL``) served by ``kechuang worker`` processes.
- ``sync``: run at commit, in the caller's thread (tests, and commands that want the
  result before they exit).

In every backend the task row is the truth: progress and outcome are written to the
database, so a page or the API reads them the same way whichever process runs the task.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from kechuang.apps.audit import use_context

from . import registry
from .models import Task

log = logging.getLogger(__name__)
_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


class TaskRun:
    """What a task function gets: its parameters, its input file, and progress()."""

    def __init__(self, task: Task):
        self.task = task
        self.params = task.params
        self.user = task.created_by

    def progress(self, done: int, total: int | None = None, message: str = "") -> None:
        fields = {"done": done}
        if total is not None:
            fields["total"] = total
        if message:
            fields["message"] = message[:500]
        Task.objects.filter(pk=self.task.pk).update(**fields)

    def read_input(self) -> bytes:
        with self.task.input_file.open("rb") as handle:
            return handle.read()


def _release_connections() -> None:
    # A worker drops stale connections between tasks, as Django does between requests;
    # never in the middle of a caller's transaction (the sync backend, tests).
    if not connection.in_atomic_block:
        close_old_connections()


def run_task(task_id: str) -> None:
    """Run one queued task to its end, recording success or failure on the row."""
    _release_connections()
    try:
        task = Task.objects.select_related("created_by").get(pk=task_id)
        if task.status != Task.Status.QUEUED:
            return
        Task.objects.filter(pk=task.pk).update(status=Task.Status.RUNNING, started_at=timezone.now())
        function = registry.get(task.name)
        with use_context(f"task-{task.pk.hex}", None):
            try:
                result = function(TaskRun(task)) or {}
            except Exception as exc:  # the task failed: say why on the row, keep the trace in the log
                log.exception("task %s (%s) failed", task.pk, task.name)
                message = getattr(exc, "task_message", None) or str(exc) or exc.__class__.__name__
                Task.objects.filter(pk=task.pk).update(
                    status=Task.Status.FAILED, finished_at=timezone.now(), error=message[:20000],
                    result=getattr(exc, "task_result", None),
                    message=message[:500],
                )
                return
        Task.objects.filter(pk=task.pk).update(
            status=Task.Status.SUCCEEDED, finished_at=timezone.now(), result=result,
            result_url=str(result.get("url", "")) if isinstance(result, dict) else "",
        )
    finally:
        _release_connections()


def _thread_pool() -> ThreadPoolExecutor:
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=settings.TASKS_THREADS, thread_name_prefix="kechuang-task")
        return _executor


def _thread_run(task_id: str) -> None:
    try:
        run_task(task_id)
    finally:
        connection.close()  # this thread's own connection


def queue(task_id: str) -> None:
    backend = settings.TASKS_BACKEND
    if backend == "sync":
        run_task(task_id)
    elif backend == "thread":
        _thread_pool().submit(_thread_run, task_id)
    elif backend == "rq":
        rq_queue().enqueue("kechuang.apps.tasks.runner.run_task", task_id, job_timeout=6 * 3600,
                           job_id=f"kechuang-{task_id}")
    else:
        raise ValueError(f"unknown KECHUANG_TASKS_BACKEND {backend!r} (thread, rq or sync)")


def rq_queue():
    from redis import Redis
    from rq import Queue

    return Queue(settings.TASKS_QUEUE, connection=Redis.from_url(settings.REDIS_URL))


def enqueue(name: str, *, acting_user, label: str, params: dict | None = None, input_file=None) -> Task:
    """Create a task row and hand it to the backend once the transaction commits."""
    registry.get(name)  # fail now, not in the worker, on a misspelt name
    task = Task(name=name, label=label[:200], params=params or {},
                created_by=acting_user if getattr(acting_user, "pk", None) else None)
    if input_file is not None:
        task.input_file.save(getattr(input_file, "name", "input"), input_file, save=False)
    task.save()
    transaction.on_commit(lambda: queue(str(task.pk)))
    return task


def wait_for_threads() -> None:
    """Finish the thread pool's work (commands and tests that must see the outcome)."""
    global _executor
    with _executor_lock:
        executor, _executor = _executor, None
    if executor is not None:
        executor.shutdown(wait=True)


class TaskFailed(Exception):
    """Raise from a task to fail it with a message for the user and details in ``result``."""

    def __init__(self, message: str, result: dict | None = None):
        super().__init__(message)
        self.task_message = message
        self.task_result = result
