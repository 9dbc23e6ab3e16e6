"""Real Celery worker and beat processes against the test database.

The processes are started with ``pa_planner.settings`` (not the test overlay) and a
``DATABASE_URL`` naming the database pytest-django created, so they see what a test commits
(tests use ``transactional_db``). The broker is kombu's filesystem transport in a private
temporary directory, or ``CELERY_BROKER_URL`` when set (then a queue name unique to the run
keeps parallel runs apart). Logs go to files in that directory; ``tail()`` shows them when
a test fails.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from django.db import connection

BASE_DIR = Path(__file__).resolve().parents[2]


def database_url() -> str:
    """The URL of the test database the current process is connected to."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return "sqlite:///" + str(Path(settings["NAME"]).resolve())
    if connection.vendor == "postgresql":
        auth = settings["USER"] or ""
        if settings.get("PASSWORD"):
            auth += ":" + settings["PASSWORD"]
        host = settings.get("HOST") or "127.0.0.1"
        port = settings.get("PORT") or 5432
        return f"postgres://{auth}@{host}:{port}/{settings['NAME']}"
    raise RuntimeError(f"System tests do not support {connection.vendor}")


class CeleryStack:
    """One beat and named workers; each can be killed (SIGKILL) and started again."""

    def __init__(
        self,
        var_dir: Path,
        extra_env: dict[str, str] | None = None,
        *,
        worker_args: tuple[str, ...] = (),
    ):
        # Arguments every worker of this stack gets (e.g. ``--pool=threads``), after the
        # defaults below, which they override.
        self.worker_args = tuple(worker_args)
        self.var_dir = var_dir
        self.run_id = uuid.uuid4().hex[:8]
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "pa_planner.settings",
            "PA_PLANNER_VAR_DIR": str(var_dir),
            "DATABASE_URL": database_url(),
            "PA_PLANNER_DISPATCH_INTERVAL": "1",
            "PA_PLANNER_SWEEP_INTERVAL": "2",
            "PA_PLANNER_CELERY_QUEUE": f"pa-planner-system-{self.run_id}",
            "DJANGO_LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
            # The local API servers listen on 127.0.0.1: sends are pinned to public addresses
            # unless the office allows an internal host (as the test settings do).
            "PA_PLANNER_PRIVATE_HOSTS_ALLOWED": "127.0.0.1",
            **(extra_env or {}),
        }
        self.env.pop("PA_PLANNER_TESTING", None)
        self.processes: dict[str, subprocess.Popen] = {}
        self.logs: dict[str, Path] = {}
        self._log_offsets: dict[str, int] = {}  # where the current run of each process starts

    def _start(self, name: str, args: list[str]) -> None:
        log_path = self.var_dir / f"{name}.log"
        log = open(log_path, "ab")  # the child keeps its own descriptor
        self.logs[name] = log_path
        self._log_offsets[name] = log_path.stat().st_size
        self.processes[name] = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "pa_planner", *args],
            cwd=BASE_DIR,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: SIGKILL takes the pool too
        )
        log.close()

    def queue_names(self, kinds=("default", "scheduling", "sends")) -> list[str]:
        """This run's queue names (pa_planner/celery.py prefixes them with the run's)."""
        prefix = self.env["PA_PLANNER_CELERY_QUEUE"]
        return [prefix if kind == "default" else f"{prefix}-{kind}" for kind in kinds]

    def start_worker(
        self, name: str = "worker1", *, queues=("default", "scheduling", "sends"), args=()
    ) -> None:
        """A worker consuming ``queues`` (kinds: default, scheduling, sends); every kind by
        default, like a small installation's single worker."""
        self._start(
            name,
            [
                "worker",
                "--loglevel=INFO",
                "--concurrency=1",
                "--pool=prefork",
                f"--hostname={name}-{self.run_id}@%h",
                "-Q",
                ",".join(self.queue_names(queues)),
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                *self.worker_args,
                *args,
            ],
        )

    def start_beat(self) -> None:
        self._start(
            "beat",
            ["beat", "--loglevel=INFO", f"--schedule={self.var_dir / 'celerybeat-schedule'}"],
        )

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        process = self.processes.pop(name, None)
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    def stop(self, grace: float = 1.5) -> None:
        """SIGTERM to every process at once, SIGKILL to what is still up after ``grace``."""
        processes = [(name, self.processes.pop(name)) for name in list(self.processes)]
        for _name, process in processes:
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + grace
        for _name, process in processes:
            try:
                process.wait(timeout=max(deadline - time.monotonic(), 0.01))
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                process.wait(timeout=10)
        broker = self.env.get("CELERY_BROKER_URL", "")
        if broker.startswith("redis"):  # leave no queue of this run behind on a shared Redis
            import redis

            redis.Redis.from_url(broker).delete(*self.queue_names())

    def wait_until_ready(self, timeout: float = 30) -> None:
        """Workers say 'ready' in their log once they consume."""
        deadline = time.monotonic() + timeout
        workers = [name for name in self.processes if name != "beat"]
        while time.monotonic() < deadline:
            if all("ready." in self._current_log(name) for name in workers):
                return
            for name, process in self.processes.items():
                if process.poll() is not None:
                    raise RuntimeError(f"{name} exited early:\n{self.tail(name)}")
            time.sleep(0.2)
        raise TimeoutError("Celery workers not ready:\n" + self.tail())

    def count_in_worker_logs(self, text: str) -> int:
        """How often ``text`` appears in the workers' logs (every run of each), e.g. tasks
        received: lets a test wait for the next beat ticks instead of sleeping."""
        return sum(
            path.read_text(errors="replace").count(text)
            for name, path in self.logs.items()
            if name != "beat"
        )

    def current_log(self, name: str) -> str:
        """What ``name`` wrote since it was last started (its log file is appended to)."""
        return self._current_log(name)

    def _current_log(self, name: str) -> str:
        with open(self.logs[name], "rb") as log:
            log.seek(self._log_offsets.get(name, 0))
            return log.read().decode(errors="replace")

    def tail(self, name: str | None = None, lines: int = 40) -> str:
        names = [name] if name else list(self.logs)
        out = []
        for each in names:
            text = self.logs[each].read_text(errors="replace").splitlines()[-lines:]
            out.append(f"--- {each} ---\n" + "\n".join(text))
        return "\n".join(out)


def wait_for(condition: Callable[[], object], *, timeout: float, interval: float = 0.2, what=""):
    """Polls until ``condition()`` is truthy; returns its value or raises with ``what``."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            what = what() if callable(what) else what
            raise TimeoutError(f"Timed out after {timeout}s waiting for {what or condition}")
        time.sleep(interval)
