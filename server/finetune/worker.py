"""The Celery worker's entry point: runs fine-tuning jobs sent through SNAPCLASS_JOB_BROKER.

    SNAPCLASS_JOB_BROKER=redis://HOST:6379/0 celery -A server.finetune.worker worker \\
        --pool solo --concurrency 1 --queues snapclass-finetune

Celery beat sends the purge of expired classrooms every CLEANUP_INTERVAL_SECONDS (the web
server's own clean-up thread runs it too; deleting what is already gone does nothing):

    SNAPCLASS_JOB_BROKER=redis://HOST:6379/0 celery -A server.finetune.worker beat

The worker builds the same Flask app as the web server (same settings: SNAPCLASS_DATABASE_URL,
SNAPCLASS_DATA_DIR, SNAPCLASS_BACKBONE_DIR) and runs the same job code in its app context.
"""

from server import cleanup, create_app

from .job import run_job
from .runner import TASK_NAME, make_celery

flask_app = create_app()
if not flask_app.config["JOB_BROKER"]:
    raise RuntimeError("Set SNAPCLASS_JOB_BROKER (e.g. redis://localhost:6379/0) for a worker.")
celery = make_celery(flask_app.config["JOB_BROKER"], flask_app.config["JOB_QUEUE"])
PURGE_TASK = "snapclass.purge_expired_classrooms"
if flask_app.config["CLEANUP_INTERVAL_SECONDS"] > 0:
    celery.conf.beat_schedule = {
        "purge-expired-classrooms": {
            "task": PURGE_TASK,
            "schedule": float(flask_app.config["CLEANUP_INTERVAL_SECONDS"]),
        }
    }


@celery.task(name=TASK_NAME)
def finetune(job_id: str) -> None:
    """Run one fine-tuning job; its outcome is written to its row, not returned."""
    with flask_app.app_context():
        run_job(job_id)


@celery.task(name=PURGE_TASK)
def purge_expired_classrooms() -> int:
    """Delete the classrooms whose data has expired; how many there were."""
    with flask_app.app_context():
        return cleanup.purge()
