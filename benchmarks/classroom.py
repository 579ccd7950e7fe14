"""A lesson as a benchmark: a class of students working at once against the real server.

    python -m benchmarks.classroom --students 30 [--database sqlite|postgresql]
        [--photos DIR] [--servers gunicorn,flask-dev] [--pace studio|none] [--json FILE]

Each server runs as its command starts it, in a child process on a fresh data folder:
"gunicorn" is `make run` (`flask db upgrade`, then `flask serve`: Gunicorn with the settings'
workers and threads), "flask-dev" is Flask's development server (`flask run`), the reference.
--database postgresql starts a throw-away PostgreSQL cluster (as the tests do) for each run.

Every student (a thread with its own connection, kept alive where the server allows) goes
through a lesson: create a project with two classes; record three bursts of 30 pictures, taken
as hold-to-record takes them (10 a second, all students at once) and uploaded as the studio's
uploader sends them (static/js/uploader.js: what has been taken, at most 10, whenever no request
is in flight; `--pace none` instead sends each burst's 30 at once, back to back, as a stress
test), and their embeddings stored as the studio stores them (static/js/embeddingSender.js: 20
pictures' pairs in one PUT as soon as 20 wait, the rest after a quiet 400 ms); save a model
version; make a share link and open the share page's files (the page, the model description,
the backbone's model.json). Requests
are retried as the studio does (network error, 408, 429, 5xx; three attempts). Pictures are real
photos (--photos, default the clothing-dev set) downscaled as the studio does (longest side 512
px, JPEG quality 90: about 35 KB), each made distinct with a JPEG comment.

Afterwards every project's samples are listed through the API and each stored blob is re-hashed
(sha256): a picture the server accepted but does not list is lost; one listed twice, or under
another id than it answered, is duplicated. Every project's embeddings are read back too: an
accepted picture without the very bytes its student sent is an embedding missing.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import http.client
import io
import json
import os
import struct
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import numpy as np
from PIL import Image

from benchmarks.ingest import (
    ATTEMPTS,
    IMAGE_SUFFIXES,
    RETRIED,
    call,
    free_port,
    logged_exceptions,
    wait_for_server,
    with_comment,
)
from tests.processes import stop

BURSTS = 3
PICTURES_PER_BURST = 30
UPLOAD_BATCH = 10  # static/js/uploader.js's BATCH
EMBEDDING_BATCH = 20  # static/js/embeddingSender.js's BATCH
EMBEDDING_QUIET_S = 0.4  # and its QUIET_MS: fewer than a batch wait this long
# Hold-to-record takes a picture every 1/10 s (static/js/studio.js's FRAMES_PER_SECOND), and the
# uploader sends what has been taken (at most UPLOAD_BATCH) whenever no request is in flight.
FRAMES_PER_SECOND = 10
# "studio": pictures arrive as the studio records them; "none": each burst's 30 pictures exist at
# once and go back to back (a stress test: no student can record that fast).
PACES = ("studio", "none")
LONGEST_SIDE = 512
JPEG_QUALITY = 90
DEFAULT_PHOTOS = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "clothing-dev"
SERVERS = ("gunicorn", "flask-dev")
DEFAULT_JSON = Path("build/benchmarks/classroom.json")


def studio_photos(folder: Path, count: int) -> list[bytes]:
    """`count` distinct JPEGs from real photos, downscaled and re-encoded as the studio does."""
    paths = sorted(p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
    if not paths:
        raise SystemExit(f"no photos in {folder}")
    encoded = []
    for path in paths[: min(count, len(paths))]:
        with Image.open(path) as image:
            image = image.convert("RGB")
            image.thumbnail((LONGEST_SIDE, LONGEST_SIDE), Image.Resampling.BILINEAR)
            out = io.BytesIO()
            image.save(out, format="JPEG", quality=JPEG_QUALITY)
            encoded.append(out.getvalue())
    return [with_comment(encoded[i % len(encoded)], f"lesson-{i}") for i in range(count)]


def random_head(dim: int, classes: int, seed: int) -> dict:
    """A head in the studio's serialized format (trainer.js serializeHead), random weights:
    the benchmark measures the server, and no one ever opens this model."""
    rng = np.random.default_rng(seed)

    def floats(*shape: int) -> str:
        return base64.b64encode(rng.normal(0, 0.1, shape).astype("<f4").tobytes()).decode()

    return {
        "format": "snapclass-head",
        "version": 1,
        "recipe": "benchmark",
        "inputDim": dim,
        "numClasses": classes,
        "preprocess": "sqrt-l2",
        "layers": [
            {
                "units": classes,
                "activation": "softmax",
                "kernelShape": [dim, classes],
                "kernel": floats(dim, classes),
                "bias": floats(classes),
            }
        ],
    }


def multipart(fields: dict[str, str], files: list[bytes]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    for number, data in enumerate(files):
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="picture-{number}.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'
        )
        parts.append(head.encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class Student(threading.Thread):
    """One student's lesson over one connection (reopened when the server closes it), every
    request timed by route."""

    def __init__(self, number, port, photos, backbone, start_line, timings, outcome, pace):
        super().__init__(daemon=True)
        self.number, self.port, self.photos, self.backbone = number, port, photos, backbone
        self.pace = pace
        self.start_line, self.timings, self.outcome = start_line, timings, outcome
        self.connection: http.client.HTTPConnection | None = None
        self.errors = 0
        self.accepted: list[tuple[str, str]] = []  # (sample id, sha256) as the server answered
        self.embedded: dict[str, str] = {}  # sample id -> sha256 of the vectors stored for it

    def request(self, route, method, path, body=None, headers=None, expect=(200,)):
        """One API call with the studio's retries; returns the decoded answer or None."""
        for attempt in range(1, ATTEMPTS + 1):
            began = time.perf_counter()
            try:
                if self.connection is None:
                    self.connection = http.client.HTTPConnection(
                        "127.0.0.1", self.port, timeout=120
                    )
                status, answer = call(self.connection, method, path, body, headers)
            except (OSError, http.client.HTTPException):
                status, answer = None, b""
                self.connection.close()
                self.connection = None
            self.timings[route].append(1000 * (time.perf_counter() - began))
            if status in expect:
                is_json = answer[:1] in (b"{", b"[")
                return json.loads(answer) if is_json else answer
            self.errors += 1
            if not (status is None or status in RETRIED or status >= 500):
                return None
            time.sleep(0.5 * 2 ** (attempt - 1))
        return None

    def run(self) -> None:
        self.start_line.wait()
        try:
            self.lesson()
        finally:
            if self.connection:
                self.connection.close()
            self.outcome[self.number] = {
                "project": getattr(self, "project", None),
                "accepted": self.accepted,
                "embedded": self.embedded,
                "errors": self.errors,
            }

    def lesson(self) -> None:
        body = json.dumps({"title": f"Student {self.number + 1}", "classes": ["Shirts", "Shoes"]})
        json_type = {"Content-Type": "application/json"}
        project = self.request("create_project", "POST", "/api/projects", body, json_type, (201,))
        if project is None:
            return
        self.project = project
        auth = {"Authorization": f"Bearer {project['owner_token']}"}
        classes = project["classes"]
        dim = self.backbone["embedding_size"]
        for burst in range(BURSTS):
            class_id = classes[burst % len(classes)]["id"]
            first = burst * PICTURES_PER_BURST
            burst_photos = self.photos[first : first + PICTURES_PER_BURST]
            rng = np.random.default_rng(self.number * 1000 + burst)
            unsent: list[dict] = []  # accepted pictures whose embeddings wait to be stored
            for batch in self.recorded(burst_photos):
                fields = {"class_id": str(class_id), "source": "webcam"}
                form, content_type = multipart(fields, batch)
                headers = {**auth, "Content-Type": content_type}
                path = f"/api/projects/{project['id']}/samples"
                answer = self.request("upload", "POST", path, form, headers, (201,))
                if answer:
                    unsent += answer["samples"]
                    self.accepted += [(s["id"], s["sha256"]) for s in answer["samples"]]
                while len(unsent) >= EMBEDDING_BATCH:
                    self.store_embeddings(unsent[:EMBEDDING_BATCH], rng, auth)
                    unsent = unsent[EMBEDDING_BATCH:]
            if unsent:
                time.sleep(EMBEDDING_QUIET_S)
                self.store_embeddings(unsent, rng, auth)
        labels = [{"class_id": c["id"], "name": c["name"]} for c in classes]
        body = json.dumps(
            {
                "head": random_head(dim, len(labels), self.number),
                "labels": labels,
                "backbone_id": self.backbone["id"],
            }
        )
        path = f"/api/projects/{project['id']}/models"
        model = self.request("save_model", "POST", path, body, {**auth, **json_type}, (201,))
        if model is None:
            return
        path = f"/api/models/{model['id']}/shares"
        link = self.request("create_share", "POST", path, "{}", {**auth, **json_type}, (201,))
        if link is None:
            return
        token = link["token"]
        self.request("share_page", "GET", f"/s/{token}")
        self.request("share_model", "GET", f"/s/{token}/model.json")
        self.request("backbone_model", "GET", f"/backbones/{self.backbone['id']}/model.json")

    def recorded(self, photos: list[bytes]) -> Iterator[list[bytes]]:
        """A burst's upload requests. Paced as the studio: picture i is taken i/10 s after the
        burst starts, and each request holds what has been taken since the last one (at most
        UPLOAD_BATCH), sent as soon as the previous one is answered."""
        if self.pace == "none":
            yield from (photos[i : i + UPLOAD_BATCH] for i in range(0, len(photos), UPLOAD_BATCH))
            return
        began = time.perf_counter()
        sent = 0
        while sent < len(photos):
            taken = min(len(photos), 1 + int((time.perf_counter() - began) * FRAMES_PER_SECOND))
            if taken <= sent:
                time.sleep(began + sent / FRAMES_PER_SECOND - time.perf_counter())
                continue
            batch = photos[sent : min(taken, sent + UPLOAD_BATCH)]
            sent += len(batch)
            yield batch

    def store_embeddings(self, samples: list[dict], rng, auth: dict) -> None:
        """One batch PUT of these pictures' pairs (the picture's vector, then its mirror's)."""
        dim = self.backbone["embedding_size"]
        pairs = {s["id"]: rng.normal(0, 1, 2 * dim).astype("<f4").tobytes() for s in samples}
        headers = {**auth, "Content-Type": "application/octet-stream"}
        path = f"/api/projects/{self.project['id']}/embeddings/{self.backbone['id']}"
        answer = self.request(
            "put_embeddings_batch", "PUT", path, embedding_batch(pairs, dim), headers, (204,)
        )
        if answer is not None:
            self.embedded |= {i: hashlib.sha256(v).hexdigest() for i, v in pairs.items()}


def embedding_batch(pairs: dict[str, bytes], dim: int) -> bytes:
    """A batch PUT's body as static/js/embeddingPage.js writeEmbeddingBatch lays it out."""
    header = {"ids": list(pairs), "counts": [len(v) // (4 * dim) for v in pairs.values()]}
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-(4 + len(text)) % 8)
    return struct.pack("<I", len(text)) + text + b"".join(pairs.values())


def stored_embeddings(port: int, project: dict, backbone_id: str) -> dict[str, str]:
    """sample id -> sha256 of its stored float32 vectors, every page of the project's."""
    auth = {"Authorization": f"Bearer {project['owner_token']}"}
    found, after = {}, None
    while True:
        query = f"backbone={backbone_id}&per_page=1000" + (f"&after={after}" if after else "")
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            status, page = call(
                connection, "GET", f"/api/projects/{project['id']}/embeddings?{query}", None, auth
            )
        finally:
            connection.close()
        if status != 200:
            raise RuntimeError(f"embeddings of {project['id']}: HTTP {status} {page[:200]!r}")
        (length,) = struct.unpack_from("<I", page)
        header = json.loads(page[4 : 4 + length])
        start, size = 4 + length, 4 * header["dim"]
        for sample_id, count in zip(header["ids"], header["counts"], strict=True):
            found[sample_id] = hashlib.sha256(page[start : start + count * size]).hexdigest()
            start += count * size
        after = header["next_cursor"]
        if after is None:
            return found


@contextmanager
def server(kind: str, data_dir: Path, database_url: str | None) -> Iterator[int]:
    """The app served as `make run` (gunicorn) or `flask run` (flask-dev) would; yields its port."""
    env = {**os.environ, "SNAPCLASS_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1"}
    if database_url:
        env["SNAPCLASS_DATABASE_URL"] = database_url
    flask = [sys.executable, "-m", "flask", "--app", "server"]
    subprocess.run([*flask, "db", "upgrade"], env=env, check=True, capture_output=True)
    port = free_port()
    address = ["--host", "127.0.0.1", "--port", str(port)]
    command = [*flask, "serve", *address] if kind == "gunicorn" else [*flask, "run", *address]
    if kind == "flask-dev":
        command.append("--no-reload")
    log_path = data_dir / "server.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for_server("127.0.0.1", port, process, log_path)
        yield port
    finally:
        stop(process)


def get_json(port: int, path: str, headers: dict | None = None) -> dict:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        status, answer = call(connection, "GET", path, headers=headers)
    finally:
        connection.close()
    if status != 200:
        raise RuntimeError(f"GET {path}: HTTP {status} {answer[:200]!r}")
    return json.loads(answer)


def verify(port: int, data_dir: Path, outcome: dict, backbone_id: str) -> dict:
    """Lost and duplicated pictures: the server's listing against what it accepted; blob bytes
    re-hashed from the store; each accepted picture's stored embedding against what was sent."""
    lost = duplicated = wrong_bytes = embeddings_missing = 0
    for student in outcome.values():
        project = student["project"]
        if project is None:
            continue
        auth = {"Authorization": f"Bearer {project['owner_token']}"}
        listed = get_json(port, f"/api/projects/{project['id']}/samples?per_page=500", auth)
        rows = Counter((s["id"], s["sha256"]) for s in listed["samples"])
        by_sha = Counter(s["sha256"] for s in listed["samples"])
        for sample_id, sha256 in set(student["accepted"]):
            if rows[(sample_id, sha256)] == 0:
                lost += 1
            elif by_sha[sha256] > 1:
                duplicated += 1
        for sha256 in by_sha:
            blob = data_dir / "blobs" / sha256[:2] / sha256[2:]
            if not blob.is_file() or hashlib.sha256(blob.read_bytes()).hexdigest() != sha256:
                wrong_bytes += 1
        embeddings = stored_embeddings(port, project, backbone_id)
        for sample_id, _ in set(student["accepted"]):
            sent = student["embedded"].get(sample_id)
            if sent is None or embeddings.get(sample_id) != sent:
                embeddings_missing += 1
    return {
        "lost": lost,
        "duplicated": duplicated,
        "wrong_bytes": wrong_bytes,
        "embeddings_missing": embeddings_missing,
    }


def percentiles(values: list[float]) -> dict:
    array = np.array(values)
    return {
        "count": len(values),
        "p50_ms": round(float(np.percentile(array, 50)), 1),
        "p95_ms": round(float(np.percentile(array, 95)), 1),
        "p99_ms": round(float(np.percentile(array, 99)), 1),
    }


def run_lesson(
    kind: str, students: int, photos: list[bytes], database: str, pace: str = "studio"
) -> dict:
    """One lesson against one server on fresh data; returns its result entry."""
    per_student = BURSTS * PICTURES_PER_BURST
    with ExitStack() as stack:
        data_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="lesson-")))
        database_url = None
        if database == "postgresql":
            from tests.postgres import PostgresCluster, server_binaries

            binaries = server_binaries()
            if binaries is None:
                raise SystemExit("PostgreSQL is not installed (apt-get install postgresql)")
            cluster = stack.enter_context(PostgresCluster(binaries))
            database_url = cluster.create_database()
        port = stack.enter_context(server(kind, data_dir, database_url))
        listing = get_json(port, "/api/backbones")
        if not listing["backbones"]:
            raise SystemExit("the server has no backbone: run `make install` first")
        # New projects' backbone: the server's default.
        default = next(b for b in listing["backbones"] if b["id"] == listing["default"])
        backbone = {"id": default["id"], "embedding_size": default["metadata"]["embedding_size"]}
        timings: dict[str, list[float]] = defaultdict(list)
        outcome: dict[int, dict] = {}
        start_line = threading.Barrier(students + 1)
        threads = [
            Student(
                n,
                port,
                photos[n * per_student : (n + 1) * per_student],
                backbone,
                start_line,
                timings,
                outcome,
                pace,
            )
            for n in range(students)
        ]
        for thread in threads:
            thread.start()
        load_before = os.getloadavg()[0]
        start_line.wait()
        began = time.perf_counter()
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - began
        checked = verify(port, data_dir, outcome, backbone["id"])
        exceptions = logged_exceptions(data_dir / "server.log")
    requests = sum(len(values) for values in timings.values())
    return {
        "server": kind,
        "database": database,
        "pace": pace,
        "students": students,
        "errors": sum(student["errors"] for student in outcome.values()),
        "lost": checked["lost"],
        "duplicated": checked["duplicated"],
        "wrong_bytes": checked["wrong_bytes"],
        "embeddings_missing": checked["embeddings_missing"],
        "pictures_accepted": sum(len(set(s["accepted"])) for s in outcome.values()),
        "pictures_expected": students * per_student,
        "requests": requests,
        "seconds": round(seconds, 2),
        "requests_per_second": round(requests / seconds, 1),
        "server_exceptions": exceptions,
        "load_average": {"before": round(load_before, 2), "after": round(os.getloadavg()[0], 2)},
        "routes": {route: percentiles(values) for route, values in sorted(timings.items())},
    }


def print_table(results: list[dict]) -> None:
    for result in results:
        print(
            f"\n{result['server']} on {result['database']}, {result['students']} students "
            f"(pace: {result['pace']}): "
            f"{result['requests']} requests in {result['seconds']} s "
            f"({result['requests_per_second']}/s), errors {result['errors']}, "
            f"lost {result['lost']}, duplicated {result['duplicated']}, "
            f"pictures {result['pictures_accepted']}/{result['pictures_expected']}, "
            f"embeddings missing {result['embeddings_missing']}"
        )
        print(f"  {'route':<20} {'count':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
        for route, stats in result["routes"].items():
            print(
                f"  {route:<20} {stats['count']:>6} {stats['p50_ms']:>8} "
                f"{stats['p95_ms']:>8} {stats['p99_ms']:>8}"
            )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--photos", type=Path, default=DEFAULT_PHOTOS)
    parser.add_argument("--servers", default=",".join(SERVERS), help="which servers, in order")
    parser.add_argument(
        "--pace",
        choices=PACES,
        default="studio",
        help="studio: pictures arrive as hold-to-record takes them (10 a second); "
        "none: each burst back to back, a stress test",
    )
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help="where the results go")
    args = parser.parse_args(argv)
    photos = studio_photos(args.photos, args.students * BURSTS * PICTURES_PER_BURST)
    print(f"{len(photos)} pictures, median {int(np.median([len(p) for p in photos]))} bytes")
    results = []
    for kind in args.servers.split(","):
        if kind not in SERVERS:
            raise SystemExit(f"unknown server {kind!r}; choose from {', '.join(SERVERS)}")
        results.append(run_lesson(kind, args.students, photos, args.database, args.pace))
        print_table(results[-1:])
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"results": results}, indent=2) + "\n")


if __name__ == "__main__":
    main()
