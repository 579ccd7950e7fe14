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
    Setting(
        "SERVICE_WORKER_DIR",
        str(REPO_ROOT / "build" / "service-worker"),
        "Folder of the service worker `make install` generates (sw.js); pages register it where "
        "the browser trusts the origin. Empty, or no sw.js there: pages register none.",
    ),
    Setting("MAX_UPLOAD_BYTES", 10 * MIB, "Largest accepted image file, in bytes.", int),
    Setting(
        "MAX_REQUEST_BYTES",
        100 * MIB,
        "Largest accepted request body (all files of one upload together), in bytes.",
        int,
    ),
    Setting(
        "MAX_PIXELS",
        25_000_000,
        "Largest accepted image, in pixels (width x height): a 24-megapixel photo, more than "
        "phones save by default; checked from the file's header before any pixel is decoded.",
        int,
    ),
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
        "Gunicorn worker processes of `make run`; default: CPU cores + 1, at most 8.",
        int,
    ),
    Setting("THREADS", 8, "Threads per Gunicorn worker process (`make run`).", int),
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
        "Key that signs picture URLs and cookies; default: made once and kept in "
        "<DATA_DIR>/secret_key, so links survive a restart and every process shares it.",
    ),
    Setting(
        "IMAGE_URL_SECONDS",
        3600,
        "How long a signed picture URL works (the page gets fresh ones whenever it lists them).",
        int,
    ),
    Setting(
        "RATE_LIMIT_STORAGE_URL",
        "",
        "Where rate-limit counts live: empty for a file in the data folder that every server "
        "process on this computer shares; a Redis URL (redis://host:6379/1) shared by several "
        "servers (or another storage URL of the `limits` library); memory:// for one process.",
    ),
    Setting(
        "RATE_LIMIT_CREATE",
        "200/hour",
        "New projects (created or imported) per client address; a class behind one school "
        "router shares one address.",
    ),
    Setting(
        "RATE_LIMIT_FAILED_CREDENTIALS",
        "30/minute",
        "Wrong tokens, share links or picture signatures per client address; more wrong ones "
        "are refused (429) for the rest of the window, valid ones never.",
    ),
    Setting("RATE_LIMIT_FINETUNE", "10/hour", "Fine-tuning jobs started per project."),
    Setting(
        "RATE_LIMIT_JOIN",
        "120/10 minutes",
        "Wrong or closed join codes per client address before every join from it is refused "
        "(429) for the rest of the window: room for two classes of 30 behind one school router "
        "each mistyping twice, 12 guesses a minute for a guesser.",
    ),
    Setting(
        "RATE_LIMIT_JOIN_SERVER",
        "500/minute",
        "Wrong or closed join codes from all addresses together before every join is refused "
        "(429) for the rest of the window: finding one of 1,000 live classrooms' 8-character "
        "codes at this rate takes 3.2 years on average (README: Privacy and security).",
    ),
    Setting(
        "RATE_LIMIT_JOIN_CODE",
        "100/minute",
        "Join attempts with one classroom's code, from all addresses together, before that "
        "code is refused (429) for the rest of the window: a crowd of addresses cannot flood "
        "one class, and a class of 35 joining at once stays well inside it.",
    ),
    Setting(
        "CLASSROOM_MAX_STUDENTS",
        40,
        "Most students one classroom takes; a join beyond it is refused (409).",
        int,
    ),
    Setting(
        "CLASSROOM_RETENTION_DAYS",
        30,
        "Days a new classroom keeps its data after its last activity before everything of it "
        "is deleted; its teacher may change it, up to 365.",
        int,
    ),
    Setting(
        "PAIRING_MINUTES",
        10,
        "How long a phone paired with a class by its QR code may add pictures to it.",
        int,
    ),
    Setting(
        "FINETUNE_QUEUE_MAX",
        8,
        "Most fine-tuning jobs waiting in the queue; more are refused (503, Retry-After).",
        int,
    ),
    Setting(
        "CLEANUP_INTERVAL_SECONDS",
        3600,
        "How often the server removes half-written and unreferenced blobs and stale work "
        "folders left by a crash, and deletes expired classrooms (also at the first request it "
        "answers, and by `flask --app server sweep` and `purge`); 0: only at the first request.",
        int,
    ),
    Setting("MAX_CLASSES", 100, "Most classes in one project.", int),
    Setting("MAX_MODEL_VERSIONS", 50, "Most saved model versions in one project.", int),
    Setting("MAX_JSON_DEPTH", 32, "Deepest nesting of arrays and objects in a JSON body.", int),
    Setting(
        "LOG_CLIENT_ADDRESSES",
        False,
        "Write each request's client address in the access log (default: no address is kept).",
        lambda raw: raw.strip().lower() in ("1", "true", "yes", "on"),
    ),
    Setting(
        "PROXY_COUNT",
        0,
        "Reverse proxies in front of the server (nginx, Caddy): their X-Forwarded-For and "
        "X-Forwarded-Proto are then trusted, so limits count the student's address.",
        int,
    ),
)


def default_workers() -> int:
    """One process per core and one more, whose threads overlap waits on the disk and the
    database (measured on 2 cores: 3 processes of 8 threads had the shortest upload tail), capped
    so a big machine keeps memory for jobs."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return min((cores or 1) + 1, 8)


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
    private_data_dir(data_dir)
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
        config["SECRET_KEY"] = _kept_secret_key(data_dir / "secret_key")


def private_data_dir(data_dir: Path) -> None:
    """Make everything this process writes its user's alone, whatever the umask it was started
    with: children's pictures, the database and the keys. Files are created 0600 and folders
    0700 from now on (the umask gains 077), and the data folder itself is made 0700."""
    os.umask(os.umask(0o077) | 0o077)
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    status = data_dir.stat()
    if status.st_mode & 0o077 and status.st_uid == os.getuid():
        data_dir.chmod(0o700)


def _kept_secret_key(path: Path) -> str:
    """The key in `path`, made there once (readable by this user only) when it is missing."""
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    key = secrets.token_hex(32)
    temporary = path.with_name(f".tmp-{secrets.token_hex(8)}")
    temporary.touch(mode=0o600)
    temporary.write_text(key)
    try:
        # A hard link fails if another process made the key first; then that key wins.
        os.link(temporary, path)
    except FileExistsError:
        pass
    finally:
        temporary.unlink()
    return path.read_text().strip()
