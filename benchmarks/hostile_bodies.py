"""Hostile request bodies against the app as `make run` serves it: the V1 body (an
unterminated JSON string of escaped quotes, which once took seconds to refuse), sent by several
clients at once to the unauthenticated routes, while another client reads `GET /api/backbones`.

Targets: every hostile body answered 4xx in under 1 s, and `GET /api/backbones` under 200 ms
meanwhile. References, on the same server in the same run: the read alone before the attack,
and the read while the same clients send a well-formed QR request instead (benign load).

    python -m benchmarks.hostile_bodies [--sizes 80000 1000000] [--parallel 6] [--rounds 5]
        [--workers 3] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from benchmarks.classroom import server
from benchmarks.ingest import call_once

ROUTES = ("/api/qr", "/api/classrooms")
PROBE = "/api/backbones"
JSON_HEADERS = {"Content-Type": "application/json"}
BENIGN = json.dumps({"text": "https://snapclass.school.lan/join"}).encode()


def v1_body(size: int) -> bytes:
    """`"\\"\\"\\"...`: a JSON string of escaped quotes that never ends."""
    return b'"' + b'\\"' * ((size - 1) // 2)


def spread(seconds: list[float]) -> dict:
    """Median, 95th percentile and maximum, in milliseconds."""
    ms = np.array(seconds) * 1000
    return {
        "count": len(seconds),
        "p50_ms": round(float(np.percentile(ms, 50)), 1),
        "p95_ms": round(float(np.percentile(ms, 95)), 1),
        "max_ms": round(float(ms.max()), 1),
    }


def timed_call(port: int, method: str, path: str, body: bytes | None = None) -> tuple[int, float]:
    started = time.perf_counter()
    status, _ = call_once("127.0.0.1", port, method, path, body, JSON_HEADERS if body else None)
    return status, time.perf_counter() - started


def probe_while(port: int, running: threading.Event, seen: list[float]) -> None:
    """Read PROBE back to back until `running` is cleared, noting each answer time."""
    while running.is_set():
        status, seconds = timed_call(port, "GET", PROBE)
        if status != 200:
            raise RuntimeError(f"GET {PROBE}: HTTP {status}")
        seen.append(seconds)


def attack(port: int, path: str, body: bytes, parallel: int, rounds: int) -> dict:
    """`parallel` clients each sending `body` `rounds` times, with PROBE read meanwhile."""
    answers: list[tuple[int, float]] = []
    lock = threading.Lock()

    def client() -> None:
        for _ in range(rounds):
            answer = timed_call(port, "POST", path, body)
            with lock:
                answers.append(answer)

    probes: list[float] = []
    running = threading.Event()
    running.set()
    prober = threading.Thread(target=probe_while, args=(port, running, probes))
    prober.start()
    clients = [threading.Thread(target=client) for _ in range(parallel)]
    for thread in clients:
        thread.start()
    for thread in clients:
        thread.join()
    running.clear()
    prober.join()
    statuses = sorted({status for status, _ in answers})
    return {
        "route": path if body.startswith(b'"') else f"{path} (benign)",
        "bytes": len(body),
        "statuses": statuses,
        "all_4xx": all(400 <= status < 500 for status, _ in answers),
        "all_2xx": all(200 <= status < 300 for status, _ in answers),
        "answer_ms": spread([seconds for _, seconds in answers]),
        "probe_ms": spread(probes),
    }


def run(sizes: list[int], parallel: int, rounds: int, workers: int) -> dict:
    os.environ["SNAPCLASS_WORKERS"] = str(workers)
    with tempfile.TemporaryDirectory() as folder, server("gunicorn", Path(folder), None) as port:
        timed_call(port, "GET", PROBE)  # every worker's first answer is slower
        idle = [timed_call(port, "GET", PROBE)[1] for _ in range(50)]
        load_before = os.getloadavg()[0]
        benign = attack(port, "/api/qr", BENIGN, parallel, rounds)
        attacks = [
            attack(port, path, v1_body(size), parallel, rounds) for size in sizes for path in ROUTES
        ]
    return {
        "workers": workers,
        "parallel": parallel,
        "rounds": rounds,
        "load_average": {"before": round(load_before, 2), "after": round(os.getloadavg()[0], 2)},
        "probe_idle_ms": spread(idle),
        "benign": benign,
        "attacks": attacks,
    }


def milliseconds(value: float) -> str:
    return f"{value:.0f} ms"


def print_table(report: dict) -> None:
    idle = report["probe_idle_ms"]
    median, p95 = milliseconds(idle["p50_ms"]), milliseconds(idle["p95_ms"])
    print(f"GET {PROBE} idle: median {median}, p95 {p95}")
    print(f"{'route':<18} {'body':>9} {'status':>8} {'answer p50':>11} {'answer max':>11} "
          f"{'probe p50':>10} {'probe p95':>10} {'probe max':>10}")  # fmt: skip
    for row in [report["benign"], *report["attacks"]]:
        answer, probe = row["answer_ms"], row["probe_ms"]
        print(
            f"{row['route']:<18} {row['bytes']:>9} {','.join(map(str, row['statuses'])):>8} "
            f"{milliseconds(answer['p50_ms']):>11} {milliseconds(answer['max_ms']):>11} "
            f"{milliseconds(probe['p50_ms']):>10} {milliseconds(probe['p95_ms']):>10} "
            f"{milliseconds(probe['max_ms']):>10}"
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[80_000, 1_000_000])
    parser.add_argument("--parallel", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--json", type=Path, default=Path("build/benchmarks/hostile_bodies.json"))
    args = parser.parse_args(argv)
    report = run(args.sizes, args.parallel, args.rounds, args.workers)
    print_table(report)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
