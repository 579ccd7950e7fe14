"""Job runners: one job code (job.run_job), two ways to run it, chosen by SNAPCLASS_JOB_BROKER.

- Embedded (no broker, the default): a worker thread in the app's process runs jobs one at a
  time. While a job is queued or running, this process holds an exclusive lock on the file
  <DATA_DIR>/jobs/<job id>.lock; the operating system drops the lock when the process dies, so
  at start-up a job whose lock is free was interrupted and is marked failed, while a job locked
  by another live app on the same data (a second process, a test's other app) is left alone.
- Celery (a redis://... broker): the app only sends the job's id; `celery -A
  server.finetune.worker worker` processes run it, on GPU machines that share the database
  and the blob store.
"""

import fcntl
import logging
import os
import queue
import threading
from pathlib import Path

from flask import Flask
from sqlalchemy import inspect, select, update

from ..db import db
from ..models import Job, utcnow
from .job import ACTIVE_STATES, QUEUED_RESTART_REASON, RESTART_REASON, run_job

TASK_NAME = "snapclass.finetune"
EXTENSION = "snapclass.jobs"
log = logging.getLogger(__name__)


class EmbeddedRunner:
    """Runs jobs one after another in a daemon thread of this process."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.lock_dir = Path(app.config["DATA_DIR"]) / "jobs"
        self.queue: queue.Queue[str] = queue.Queue()
        self.thread: threading.Thread | None = None
        self.held: dict[str, int] = {}  # job id -> descriptor of its locked file
        self.guard = threading.Lock()

    def lock_path(self, job_id: str) -> Path:
        return self.lock_dir / f"{job_id}.lock"  # job ids are URL-safe: no "/" nor ".."

    def claim(self, job_id: str) -> None:
        """Lock the job's file; call it before the job's row is committed."""
        self.lock_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.lock_path(job_id), os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with self.guard:
            self.held[job_id] = fd

    def release(self, job_id: str) -> None:
        with self.guard:
            fd = self.held.pop(job_id, None)
        if fd is not None:
            self.lock_path(job_id).unlink(missing_ok=True)
            os.close(fd)

    def submit(self, job_id: str) -> None:
        with self.guard:
            if self.thread is None:
                self.thread = threading.Thread(
                    target=self._work, name="snapclass-jobs", daemon=True
                )
                self.thread.start()
        self.queue.put(job_id)

    def _work(self) -> None:
        while True:
            job_id = self.queue.get()
            try:
                with self.app.app_context():
                    run_job(job_id)
            except Exception:  # the thread must outlive any job
                log.exception("job %s could not be run", job_id)
            finally:
                self.release(job_id)

    def recover_interrupted(self) -> None:
        """Mark failed, each with its true reason, the jobs left queued or running by a process
        that is gone."""
        with self.app.app_context():
            if not inspect(db.engine).has_table(Job.__tablename__):
                return  # a database not yet migrated has no jobs
            active = db.session.execute(
                select(Job.public_id, Job.state).where(Job.state.in_(ACTIVE_STATES))
            ).all()
            for job_id, state in active:
                if self._owner_is_alive(job_id):
                    continue
                reason = QUEUED_RESTART_REASON if state == "queued" else RESTART_REASON
                db.session.execute(
                    update(Job)
                    .where(Job.public_id == job_id, Job.state.in_(ACTIVE_STATES))
                    .values(state="failed", error=reason, finished=utcnow())
                )
                db.session.commit()
                self.lock_path(job_id).unlink(missing_ok=True)
            db.session.remove()

    def _owner_is_alive(self, job_id: str) -> bool:
        path = self.lock_path(job_id)
        if not path.exists():
            return False
        fd = os.open(path, os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(fd)  # closing drops the lock if we took it
        return False


class CeleryRunner:
    """Sends jobs to Celery workers through the broker."""

    def __init__(self, broker: str, queue_name: str) -> None:
        self.celery = make_celery(broker, queue_name)

    def claim(self, job_id: str) -> None:
        """Nothing to hold here: the worker that takes the job owns it."""

    def release(self, job_id: str) -> None:
        """See claim."""

    def submit(self, job_id: str) -> None:
        self.celery.send_task(TASK_NAME, args=[job_id])


def make_celery(broker: str, queue_name: str):
    """A Celery app for Snapclass's jobs: one job at a time per worker, no result store."""
    from celery import Celery

    celery = Celery("snapclass", broker=broker, set_as_current=False)
    celery.conf.update(
        task_default_queue=queue_name,
        task_ignore_result=True,
        # A job runs for minutes: a worker takes the next one only when it is free.
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        # Sending gives up after a few seconds instead of hanging a request on a dead broker.
        broker_transport_options={"max_retries": 2, "interval_start": 0, "interval_step": 1},
        task_publish_retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 1},
    )
    return celery


def init_app(app: Flask) -> None:
    """Attach the configured runner to the app; the embedded one first cleans up after a crash."""
    if app.config["JOB_BROKER"]:
        runner = CeleryRunner(app.config["JOB_BROKER"], app.config["JOB_QUEUE"])
    else:
        runner = EmbeddedRunner(app)
        runner.recover_interrupted()
    app.extensions[EXTENSION] = runner


def runner_of(app: Flask) -> EmbeddedRunner | CeleryRunner:
    return app.extensions[EXTENSION]
