"""Every setting of the server, in one table: its name, default and meaning.

A setting NAME is read, in this order (later wins): the default below, `NAME = ...` in the instance
folder's config.py, the environment variable SNAPCLASS_NAME, then the test_config of create_app.
"""

import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask

ENV_PREFIX = "SNAPCLASS_"
REPO_ROOT = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024


@dataclass(frozen=True)
class Setting:
    """One setting: its config key, default (None: derived at start-up) and meaning."""

    name: str
    default: Any
    description: str
    parse: Callable[[str], Any] = str

    @property
    def env_var(self) -> str:
        return ENV_PREFIX + self.name


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "DATA_DIR",
        None,
        "Folder for the SQLite database and the blob store; default: the instance folder.",
    ),
    Setting(
        "DATABASE_URL",
        None,
        "Any SQLAlchemy database URL; default: SQLite at <DATA_DIR>/snapclass.sqlite3.",
    ),
    Setting(
        "BACKBONE_DIR",
        str(REPO_ROOT / "build" / "backbones"),
        "Folder of exported backbones, one <id>/ folder each with metadata.json.",
    ),
    Setting("MAX_UPLOAD_BYTES", 10 * MIB, "Largest accepted image file, in bytes.", int),
    Setting(
        "MAX_REQUEST_BYTES",
        100 * MIB,
        "Largest accepted request body (all files of one upload together), in bytes.",
        int,
    ),
    Setting("MAX_PIXELS", 40_000_000, "Largest accepted image, in pixels (width x height).", int),
    Setting(
        "MAX_IMPORT_FILES",
        10_000,
        "Most files a project zip may hold (POST /api/projects/import).",
        int,
    ),
    Setting(
        "MAX_IMPORT_BYTES",
        256 * MIB,
        "Largest total size of a project zip's files once uncompressed, against zip bombs.",
        int,
    ),
    Setting(
        "JOB_BROKER",
        "",
        "Celery broker URL (e.g. redis://localhost:6379/0) that sends fine-tuning jobs to "
        "workers; empty: jobs run in a thread of the app's own process.",
    ),
    Setting("JOB_QUEUE", "snapclass-finetune", "Celery queue that fine-tuning jobs go to."),
    Setting(
        "FINETUNE_MIN_SAMPLES",
        5,
        "Fewest labelled pictures each class needs before a fine-tuning job is accepted.",
        int,
    ),
    Setting(
        "WORKERS",
        None,
        "Gunicorn worker processes of `make run`; default: 2 x CPU cores + 1, at most 8.",
        int,
    ),
    Setting("THREADS", 4, "Threads per Gunicorn worker process (`make run`).", int),
    Setting(
        "TLS_CERT",
        "",
        "PEM certificate (chain) file for HTTPS; with TLS_KEY, `make run` serves HTTPS with it.",
    ),
    Setting("TLS_KEY", "", "PEM private key file of TLS_CERT."),
    Setting(
        "BLOB_STORE",
        "",
        "Where pictures and model files go: empty for <DATA_DIR>/blobs, or s3://bucket/prefix "
        "for an S3-compatible object store (boto3; credentials from the usual AWS_* variables).",
    ),
    Setting(
        "S3_ENDPOINT_URL",
        "",
        "Endpoint of an S3-compatible service (MinIO, Ceph, ...); empty: Amazon S3.",
    ),
    Setting(
        "SECRET_KEY",
        None,
        "Key that signs cookies; default: random at each start, so set it when running several "
        "processes.",
    ),
)


def default_workers() -> int:
    """Gunicorn's rule of thumb (2 x cores + 1), capped so a big machine keeps memory for jobs."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return min(2 * (cores or 1) + 1, 8)


def sqlalchemy_url(url: str) -> str:
    """The URL with its driver: a plain postgresql:// one goes through psycopg 3 (SQLAlchemy's
    own default for it is psycopg2, which Snapclass does not install)."""
    for plain in ("postgresql://", "postgres://"):
        if url.startswith(plain):
            return "postgresql+psycopg://" + url.removeprefix(plain)
    return url


def load_config(app: Flask, test_config: Mapping[str, Any] | None = None) -> None:
    """Fill app.config from defaults, instance/config.py, SNAPCLASS_* variables and test_config."""
    app.config.from_mapping({s.name: s.default for s in SETTINGS})
    app.config.from_pyfile(Path(app.instance_path) / "config.py", silent=True)
    for setting in SETTINGS:
        raw = os.environ.get(setting.env_var)
        if raw is not None:
            try:
                app.config[setting.name] = setting.parse(raw)
            except ValueError as error:
                raise ValueError(f"{setting.env_var}={raw!r} is not valid: {error}") from None
    if test_config is not None:
        app.config.from_mapping(test_config)
    _derive(app)


def _derive(app: Flask) -> None:
    """Fill the settings whose default depends on others, and Flask's own keys."""
    config = app.config
    data_dir = Path(config["DATA_DIR"] or app.instance_path)
    data_dir.mkdir(parents=True, exist_ok=True)
    config["DATA_DIR"] = str(data_dir)
    config["SQLALCHEMY_DATABASE_URI"] = sqlalchemy_url(
        config["DATABASE_URL"] or f"sqlite:///{data_dir / 'snapclass.sqlite3'}"
    )
    config["MAX_CONTENT_LENGTH"] = config["MAX_REQUEST_BYTES"]
    if config["BLOB_STORE"] and not config["BLOB_STORE"].startswith("s3://"):
        raise ValueError(f"SNAPCLASS_BLOB_STORE={config['BLOB_STORE']!r} is not s3://bucket/prefix")
    if not config["WORKERS"]:
        config["WORKERS"] = default_workers()
    if not config["SECRET_KEY"]:
        config["SECRET_KEY"] = secrets.token_hex(32)
