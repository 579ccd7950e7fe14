"""Ingest under load: a class of students uploading photos at once to a live server.

    python -m benchmarks.ingest --clients 30 --images 20 [--photos DIR | --generate WxH]
        [--shared-project] [--same-photos] [--json FILE]

The server is the app as `make run` starts it (`flask db upgrade`, then `flask run`: werkzeug,
one thread per request, SQLite in WAL mode, the local blob store) in a process of its own, with
a fresh data folder. Each client is a thread with its own keep-alive connection and its own
project (--shared-project: all in one); they start together and each uploads its photos one per
request, the way the studio's uploader retries: again on a network error, 408, 429 or 5xx, up to
three attempts. Photos are real ones from --photos (default: the clothing-dev set, a different
photo per upload) or generated JPEGs of --generate WxH (e.g. 4032x3024 for a phone camera's).

Afterwards it checks, straight from the database file and the blob folder, that every accepted
upload is stored exactly once: one row per (project, image) with the sample id the client was
given, its blob present with the right bytes (re-hashed), no temp files left, no blob without a
row. --same-photos makes every client send the same photos (into one project with
--shared-project: the duplicate check under contention).
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import io
import json
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from benchmarks import harness
from tests.processes import stop

RETRIED = {408, 429}  # and every 5xx, as static/js/uploader.js does
ATTEMPTS = 3
P99_TARGET_MS = 1000
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp"}


@dataclass
class Attempt:
    """One upload request and what came back."""

    client: int
    photo: int
    attempt: int
    project_id: str
    sent_sha256: str
    bytes: int
    status: int | None  # None: no HTTP answer (connection error, timeout)
    ms: float
    sample_id: str | None = None
    stored_sha256: str | None = None
    error: str | None = None


def real_photos(folder: Path, count: int) -> list[bytes]:
    """`count` different photo files from a folder tree (sorted, so every run sends the same)."""
    paths = sorted(p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
    if len(paths) < count:
        raise SystemExit(f"{folder} has {len(paths)} photos; this run needs {count}")
    return [p.read_bytes() for p in paths[:count]]


def generated_photos(count: int, width: int, height: int, seed: int = 0) -> list[bytes]:
    """`count` distinct photo-like JPEGs (smooth colour fields plus sensor-like noise)."""
    rng = np.random.default_rng(seed)
    base = []
    for _ in range(min(count, 20)):
        coarse = rng.integers(0, 256, (6, 8, 3), dtype=np.uint8)
        field = np.asarray(Image.fromarray(coarse).resize((width, height), Image.BICUBIC))
        noise = rng.normal(0, 6, field.shape)
        pixels = np.clip(field + noise, 0, 255).astype(np.uint8)
        buffer = io.BytesIO()
        Image.fromarray(pixels).save(buffer, format="JPEG", quality=90)
        base.append(buffer.getvalue())
    # Past 20 pictures, a JPEG comment makes each file distinct at no decoding cost.
    return [with_comment(base[i % len(base)], f"snapclass-ingest-{i}") for i in range(count)]


def with_comment(jpeg: bytes, text: str) -> bytes:
    payload = text.encode()
    segment = b"\xff\xfe" + (len(payload) + 2).to_bytes(2, "big") + payload
    return jpeg[:2] + segment + jpeg[2:]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def app_process(data_dir: Path) -> Iterator[str]:
    """The app as `make run` runs it, in a child process on a free port; yields its base URL."""
    env = {**os.environ, "SNAPCLASS_DATA_DIR": str(data_dir), "FLASK_APP": "server"}
    flask = [sys.executable, "-m", "flask", "--app", "server"]
    subprocess.run([*flask, "db", "upgrade"], env=env, check=True, capture_output=True)
    port = free_port()
    log_path = data_dir / "server.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [*flask, "run", "--host", "127.0.0.1", "--port", str(port), "--no-reload"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for_server("127.0.0.1", port, process, log_path)
            yield f"http://127.0.0.1:{port}"
        finally:
            stop(process, grace=20)


@contextmanager
def app_thread(data_dir: Path) -> Iterator[str]:
    """The same app and werkzeug server in a thread of this process (quicker to start: tests)."""
    with harness.LiveServer(data_dir, harness.BUILT_BACKBONES) as server:
        yield server.url


def wait_for_server(host: str, port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited: {log.read_text()[-2000:]}")
        try:
            status, _ = call_once(host, port, "GET", "/api/backbones")
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the server did not answer within 60 s: {log.read_text()[-2000:]}")


def call(connection, method: str, path: str, body=None, headers=None) -> tuple[int, bytes]:
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    return response.status, response.read()


def call_once(host: str, port: int, method: str, path: str, body=None, headers=None):
    connection = http.client.HTTPConnection(host, port, timeout=30)
    try:
        return call(connection, method, path, body, headers)
    finally:
        connection.close()


def create_project(host: str, port: int, title: str) -> dict:
    body = json.dumps({"title": title, "classes": ["Shirts", "Shoes"]})
    headers = {"Content-Type": "application/json"}
    status, answer = call_once(host, port, "POST", "/api/projects", body, headers)
    if status != 201:
        raise RuntimeError(f"could not create a project: HTTP {status} {answer[:300]!r}")
    return json.loads(answer)


def multipart(fields: dict[str, str], filename: str, data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="{filename}"\r\nContent-Type: image/jpeg\r\n\r\n'
        ).encode()
        + data
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class Client(threading.Thread):
    """One student: uploads its photos one per request, retrying as the studio's uploader does."""

    def __init__(self, number, host, port, project, photos, start_line, attempts):
        super().__init__(daemon=True)
        self.number, self.host, self.port = number, host, port
        self.project, self.photos = project, photos
        self.start_line, self.attempts = start_line, attempts
        self.connection = None

    def run(self) -> None:
        self.start_line.wait()
        for index, data in self.photos:
            for attempt in range(1, ATTEMPTS + 1):
                result = self.upload(index, data, attempt)
                self.attempts.append(result)
                retry = result.status is None or result.status in RETRIED or result.status >= 500
                if not retry:
                    break
                time.sleep(0.5 * 2 ** (attempt - 1))
        if self.connection:
            self.connection.close()

    def upload(self, index: int, data: bytes, attempt: int) -> Attempt:
        project = self.project
        classes = project["classes"]
        body, content_type = multipart(
            {"class_id": str(classes[index % len(classes)]["id"]), "source": "upload"},
            f"photo-{index}.jpg",
            data,
        )
        headers = {
            "Authorization": f"Bearer {project['owner_token']}",
            "Content-Type": content_type,
            "Content-Length": str(len(body)),
        }
        result = Attempt(
            client=self.number,
            photo=index,
            attempt=attempt,
            project_id=project["id"],
            sent_sha256=hashlib.sha256(data).hexdigest(),
            bytes=len(data),
            status=None,
            ms=0.0,
        )
        began = time.perf_counter()
        try:
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=120)
            status, answer = call(
                self.connection, "POST", f"/api/projects/{project['id']}/samples", body, headers
            )
        except (OSError, http.client.HTTPException) as error:
            result.ms = 1000 * (time.perf_counter() - began)
            result.error = f"{type(error).__name__}: {error}"
            self.connection.close()
            self.connection = None
            return result
        result.ms = 1000 * (time.perf_counter() - began)
        result.status = status
        if status == 201:
            sample = json.loads(answer)["samples"][0]
            result.sample_id, result.stored_sha256 = sample["id"], sample["sha256"]
        else:
            result.error = answer[:300].decode(errors="replace")
        return result


def verify(data_dir: Path, attempts: list[Attempt]) -> dict:
    """Check the database and blob store against the accepted uploads (see the module doc)."""
    accepted = [a for a in attempts if a.status == 201]
    expected: dict[tuple[str, str], set[str]] = {}
    for a in accepted:
        expected.setdefault((a.project_id, a.stored_sha256), set()).add(a.sample_id)
    projects = sorted({a.project_id for a in attempts})
    database = sqlite3.connect(f"file:{data_dir / 'snapclass.sqlite3'}?mode=ro", uri=True)
    try:
        marks = ",".join("?" * len(projects))
        rows = database.execute(
            "SELECT project.public_id, sample.public_id, sample.sha256 FROM sample "
            f"JOIN project ON project.id = sample.project_id WHERE project.public_id IN ({marks})",
            projects,
        ).fetchall()
        referenced = {sha for (sha,) in database.execute("SELECT DISTINCT sha256 FROM sample")}
    finally:
        database.close()
    rows_by_key: dict[tuple[str, str], list[str]] = {}
    for project_id, sample_id, sha in rows:
        rows_by_key.setdefault((project_id, sha), []).append(sample_id)
    blobs = data_dir / "blobs"
    wrong_bytes, missing_blobs = [], []
    for sha in sorted({sha for _, sha in expected}):
        path = blobs / sha[:2] / sha[2:]
        if not path.is_file():
            missing_blobs.append(sha)
        elif hashlib.sha256(path.read_bytes()).hexdigest() != sha:
            wrong_bytes.append(sha)
    stored = {p.parent.name + p.name for p in blobs.glob("??/*") if not p.name.startswith(".")}
    counts = Counter({key: len(ids) for key, ids in rows_by_key.items()})
    report = {
        "accepted_uploads": len(accepted),
        "distinct_images_expected": len(expected),
        "rows": len(rows),
        "lost": sum(1 for key in expected if counts[key] == 0),
        "duplicated": sum(1 for key in expected if counts[key] > 1),
        "sample_id_mismatches": sum(
            1 for key, ids in expected.items() if counts[key] == 1 and ids != set(rows_by_key[key])
        ),
        "rows_not_accepted": sum(1 for key in rows_by_key if key not in expected),
        "altered_on_store": sum(1 for a in accepted if a.stored_sha256 != a.sent_sha256),
        "missing_blobs": len(missing_blobs),
        "wrong_bytes": len(wrong_bytes),
        "blobs_without_row": len(stored - referenced),
        "temp_files_left": sum(1 for _ in blobs.rglob(".tmp-*")) if blobs.is_dir() else 0,
    }
    problems = ("lost", "duplicated", "sample_id_mismatches", "missing_blobs", "wrong_bytes")
    report["ok"] = all(report[key] == 0 for key in problems)
    return report


def logged_exceptions(log: Path) -> dict[str, int]:
    """The exceptions the server logged (the last line of each traceback), with their counts."""
    found: Counter[str] = Counter()
    in_traceback = False
    for line in log.read_text(errors="replace").splitlines() if log.is_file() else []:
        if line.startswith("Traceback (most recent call last):"):
            in_traceback = True
        elif in_traceback and line and not line[0].isspace():
            found[line[:300]] += 1
            in_traceback = False
    return dict(found.most_common())


def load_summary(attempts: list[Attempt], seconds: float) -> dict:
    ms = np.array([a.ms for a in attempts]) if attempts else np.zeros(1)
    statuses = Counter(str(a.status) if a.status is not None else "no answer" for a in attempts)
    accepted = [a for a in attempts if a.status == 201]
    return {
        "requests": len(attempts),
        "accepted": len(accepted),
        "retries": sum(1 for a in attempts if a.attempt > 1),
        "errors": sum(1 for a in attempts if a.status != 201),
        "server_errors_5xx": sum(1 for a in attempts if a.status and a.status >= 500),
        "no_answer": statuses.get("no answer", 0),
        "statuses": dict(statuses),
        "seconds": round(seconds, 2),
        "photos_per_second": round(len(accepted) / seconds, 2) if seconds else None,
        "megabytes_per_second": round(sum(a.bytes for a in accepted) / seconds / 1e6, 2),
        "latency_ms": {
            "p50": round(float(np.percentile(ms, 50)), 1),
            "p90": round(float(np.percentile(ms, 90)), 1),
            "p99": round(float(np.percentile(ms, 99)), 1),
            "max": round(float(ms.max()), 1),
        },
        "error_samples": sorted({a.error for a in attempts if a.error})[:5],
    }


def run_ingest(
    clients: int,
    images: int,
    photos: list[bytes],
    data_dir: Path,
    shared_project: bool = False,
    same_photos: bool = False,
    in_process: bool = False,
) -> dict:
    """Start the app on data_dir, let the clients upload, then verify; returns the report.
    in_process serves the app from a thread of this process instead of a child process."""
    needed = images if same_photos else clients * images
    if len(photos) < needed:
        raise ValueError(f"{needed} photos needed, {len(photos)} given")
    data_dir.mkdir(parents=True, exist_ok=True)
    with (app_thread if in_process else app_process)(data_dir) as url:
        host, port = url.removeprefix("http://").split(":")
        port = int(port)
        shared = create_project(host, port, "Class project") if shared_project else None
        start_line = threading.Barrier(clients + 1)
        attempts: list[Attempt] = []  # list.append is atomic under the GIL
        threads = []
        for number in range(clients):
            first = 0 if same_photos else number * images
            mine = [(first + i, photos[first + i]) for i in range(images)]
            project = shared or create_project(host, port, f"Student {number + 1}")
            threads.append(Client(number, host, port, project, mine, start_line, attempts))
        for thread in threads:
            thread.start()
        start_line.wait()
        began = time.perf_counter()
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - began
        verification = verify(data_dir, attempts)
    return {
        "load": load_summary(attempts, seconds),
        "verification": verification,
        "server_exceptions": logged_exceptions(data_dir / "server.log"),
        "settings": {
            "clients": clients,
            "images_per_client": images,
            "shared_project": shared_project,
            "same_photos": same_photos,
            "photo_bytes_median": int(np.median([len(p) for p in photos[:needed]])),
        },
        "attempts": [asdict(a) for a in attempts],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=30)
    parser.add_argument("--images", type=int, default=20)
    parser.add_argument("--photos", type=Path, default=harness.DEFAULT_DATA)
    parser.add_argument("--generate", metavar="WxH", default=None)
    parser.add_argument("--shared-project", action="store_true")
    parser.add_argument("--same-photos", action="store_true")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()

    needed = args.images if args.same_photos else args.clients * args.images
    if args.generate:
        width, height = (int(n) for n in args.generate.lower().split("x"))
        print(f"Generating {needed} photos of {width}x{height} ...", flush=True)
        photos = generated_photos(needed, width, height)
        source = f"generated {width}x{height} JPEG"
    else:
        if not args.photos.is_dir():
            raise SystemExit(
                f"No photo folder at {args.photos}: give --photos DIR or --generate WxH"
            )
        photos = real_photos(args.photos, needed)
        source = str(args.photos)
    before = harness.machine()
    with tempfile.TemporaryDirectory() as work:
        result = run_ingest(
            args.clients,
            args.images,
            photos,
            Path(work) / "data",
            args.shared_project,
            args.same_photos,
        )
    load, check = result["load"], result["verification"]
    verdicts = [
        harness.target_line(
            "zero lost or duplicated uploads",
            check["ok"],
            f"{check['lost']} lost, {check['duplicated']} duplicated, "
            f"{check['wrong_bytes']} with wrong bytes, {check['missing_blobs']} missing blobs, "
            f"{check['sample_id_mismatches']} id mismatches "
            f"({check['accepted_uploads']} accepted, {check['rows']} rows)",
        ),
        harness.target_line(
            "zero 5xx", load["server_errors_5xx"] == 0, f"{load['server_errors_5xx']} answers 5xx"
        ),
        harness.target_line(
            f"p99 latency under {P99_TARGET_MS} ms",
            load["latency_ms"]["p99"] < P99_TARGET_MS,
            f"p99 {load['latency_ms']['p99']:.0f} ms",
        ),
    ]
    payload = {
        **{k: v for k, v in result.items() if k != "attempts"},
        "targets": verdicts,
        "photos": source,
        "environment": {**before, "load_average_after": harness.machine()["load_average"]},
        "attempts": result["attempts"],
    }
    path = harness.write_results("ingest", payload, args.json)
    latency = load["latency_ms"]
    print(
        f"Ingest: {args.clients} clients x {args.images} photos ({source}, median "
        f"{result['settings']['photo_bytes_median'] / 1000:.0f} kB), "
        f"load {before['load_average'][0]}"
    )
    print(
        harness.markdown_table(
            [
                "requests",
                "accepted",
                "errors",
                "5xx",
                "photos/s",
                "MB/s",
                "p50 ms",
                "p90 ms",
                "p99 ms",
                "max ms",
            ],
            [
                [
                    load["requests"],
                    load["accepted"],
                    load["errors"],
                    load["server_errors_5xx"],
                    load["photos_per_second"],
                    load["megabytes_per_second"],
                    latency["p50"],
                    latency["p90"],
                    latency["p99"],
                    latency["max"],
                ]
            ],
        )
    )
    print("Stored exactly once: " + ", ".join(f"{k} {v}" for k, v in check.items()))
    for sample in load["error_samples"]:
        print(f"  error: {sample}")
    for exception, count in result["server_exceptions"].items():
        print(f"  server log: {count} x {exception}")
    print("Targets:")
    harness.print_targets(verdicts)
    print(f"JSON: {path}")


if __name__ == "__main__":
    main()
