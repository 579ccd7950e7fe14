"""Stopping a server a test started as a process of its own (Gunicorn, Redis, a Celery worker)."""

import signal
import subprocess


def stop(process: subprocess.Popen, sig: int = signal.SIGTERM, grace: float = 30) -> None:
    """Send `sig` and wait up to `grace` seconds, then kill it: a process left running (a
    graceful stop that outlasts the wait on a loaded machine) would keep its port and be found
    still running by the garbage collector, in whatever test then runs."""
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
