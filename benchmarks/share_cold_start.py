"""Share page cold start: bytes transferred and time to the first prediction from a share link.

    python -m benchmarks.share_cold_start [--classes 3] [--visits 5]
        [--backbone efficientnet-lite0|mobilenetv2] [--tier browser|server] [--json FILE]

A project with a saved browser-tier model and a share link is made through the JSON API of a
live app (the head has random weights, the size of a real one), on the server's default
backbone or --backbone. `--tier server` shares a fine-tuned model instead: the server's job
(embedded runner, 2 classes of 8 generated pictures, 96 px, 1 epoch: the size of the model it
exports does not depend on them) fine-tunes the backbone, and the link serves its whole graph.
Then, --visits times, a fresh Chromium profile opens the link:
- cold: every byte received (Chrome DevTools Protocol Network.loadingFinished: headers and
  bodies as they crossed the wire) and, on the page's own clock from navigation start, when the
  model is ready (share.js sets body[data-backend] after loading and warming the backbone) and
  when the first prediction would show for a picture chosen that moment (ready + the time from
  choosing a picture to its prediction on screen);
- second visit: a new tab in the same profile opens the link again (the HTTP cache in play).
Reported are the medians over visits, and the cold visit's bytes by kind of file.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks import harness
from benchmarks.harness import BenchServer
from tests.browser.media import png_bytes, scene, write_pictures
from tests.conftest import Api, serialized_head

MARKS = harness.PAGES / "cold_start_marks.js"
COLD_BYTES_TARGET = 9_000_000
TINY_JOB = {"input_size": 96, "epochs": 1, "batch_size": 8}
JOB_TIMEOUT_S = 900
WARM_BYTES_TARGET = 200_000
FIRST_PREDICTION_TARGET_MS = 1500
KINDS = (
    ("TF.js", "/vendor/tfjs@"),
    ("TF.js WASM backend", "/vendor/tfjs-backend-wasm@"),
    ("backbone", "/backbones/"),
    ("fine-tuned model (graph)", "/tfjs/"),
    ("model.json (head)", "/model.json"),
    ("page, scripts, styles", ""),
)


def make_finetuned_link(server: BenchServer, backbone: dict) -> str:
    """A project fine-tuned on the server (a tiny job on `backbone`) and a link to its model."""
    api = Api(server.app.test_client())
    project = api.create_project("Cold start, fine-tuned", ("disc", "stripes"))
    for cls in project["classes"]:
        pictures = [png_bytes(scene(cls["name"], seed, 96)) for seed in range(8)]
        api.add_samples(project, *pictures, class_id=cls["id"])
    body = {**TINY_JOB, "backbone_id": backbone["id"]}
    started = api.client.post(
        f"/api/projects/{project['id']}/finetune", json=body, headers=api.auth(project)
    )
    assert started.status_code == 202, started.json
    deadline = time.monotonic() + JOB_TIMEOUT_S
    while (job := api.client.get(started.headers["Location"], headers=api.auth(project)).json)[
        "state"
    ] in ("queued", "running"):
        if time.monotonic() > deadline:
            raise RuntimeError(f"the fine-tuning job took over {JOB_TIMEOUT_S} s")
        time.sleep(1)
    if job["state"] != "succeeded":
        raise RuntimeError(f"the fine-tuning job {job['state']}: {job['error']}")
    link = api.share(project, job["model"])
    return server.url + link["url"]


def make_share_link(server: BenchServer, classes: int, backbone: dict) -> str:
    """A project with a saved model of `classes` classes and a link to it."""
    api = Api(server.app.test_client())
    project = api.create_project("Cold start", [f"Class {n + 1}" for n in range(classes)])
    head = serialized_head(backbone["embedding_size"], classes, preprocess="sqrt-l2")
    model = api.save_model(project, head=head, backbone_id=backbone["id"])
    link = api.share(project, model)
    return server.url + link["url"]


class Traffic:
    """Bytes received by one page, per request, from the DevTools protocol."""

    def __init__(self, page) -> None:
        self.urls: dict[str, str] = {}
        self.bytes: dict[str, int] = {}
        self.cached: set[str] = set()
        session = page.context.new_cdp_session(page)
        session.on("Network.requestWillBeSent", self._request)
        session.on("Network.loadingFinished", self._finished)
        session.on("Network.requestServedFromCache", lambda e: self.cached.add(e["requestId"]))
        session.send("Network.enable")

    def _request(self, event) -> None:
        self.urls[event["requestId"]] = event["request"]["url"]

    def _finished(self, event) -> None:
        self.bytes[event["requestId"]] = int(event["encodedDataLength"])

    def total(self) -> int:
        return sum(self.bytes.values())

    def by_kind(self) -> dict[str, int]:
        kinds = {name: 0 for name, _ in KINDS}
        for request, size in self.bytes.items():
            kinds[kind_of(self.urls.get(request, ""))] += size
        return kinds


def kind_of(url: str) -> str:
    return next(name for name, part in KINDS if part in url)


# When each kind of file had fully arrived, and when the document's scripts had run, on the
# page's clock (Resource and Navigation Timing): where the time to "ready" goes.
TIMELINE = """() => {
  const kinds = {};
  for (const entry of performance.getEntriesByType('resource')) {
    kinds[entry.name] = entry.responseEnd;
  }
  const navigation = performance.getEntriesByType('navigation')[0];
  return { resources: kinds, domContentLoaded: navigation.domContentLoadedEventEnd };
}"""


def timeline(page) -> dict[str, float]:
    answer = page.evaluate(TIMELINE)
    arrived: dict[str, float] = {"DOMContentLoaded": round(answer["domContentLoaded"], 1)}
    for url, end in answer["resources"].items():
        kind = f"{kind_of(url)} arrived"
        arrived[kind] = round(max(arrived.get(kind, 0.0), end), 1)
    return dict(sorted(arrived.items(), key=lambda item: item[1]))


def visit(context, link: str, picture: Path) -> dict:
    """Open the link in a new tab; bytes received and the page's marks (ms from navigation)."""
    page = context.new_page()
    page.set_default_timeout(120_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    traffic = Traffic(page)
    page.goto(link)
    harness.wait_until(page, "window.__coldStart?.ready !== undefined", timeout=120)
    page.locator(".preview-panel input[type=file]").set_input_files(str(picture))
    harness.wait_until(page, "window.__coldStart?.predicted !== undefined", timeout=60)
    marks = page.evaluate("window.__coldStart")
    backend = page.evaluate("document.body.dataset.backend")
    arrived = timeline(page)
    # Requests still finishing (none expected) would be missed by a count taken too early.
    page.wait_for_timeout(300)
    page.close()
    if errors:
        raise RuntimeError(f"the share page failed: {errors}")
    return {
        "bytes": traffic.total(),
        "requests": len(traffic.urls),
        "from_cache": len(traffic.cached),
        "bytes_by_kind": traffic.by_kind(),
        "ready_ms": round(marks["ready"], 1),
        "prediction_ms": round(marks["predicted"] - marks["picture"], 1),
        "first_prediction_ms": round(marks["ready"] + marks["predicted"] - marks["picture"], 1),
        "backend": backend,
        "timeline_ms": arrived,
    }


def median_of(visits: list[dict], key: str) -> float:
    return statistics.median(v[key] for v in visits)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--classes", type=int, default=3)
    parser.add_argument("--visits", type=int, default=5)
    parser.add_argument(
        "--backbone",
        choices=tuple(harness.BACKBONE_ARCHITECTURES),
        default=None,
        help="the model's backbone (default: the server's default)",
    )
    parser.add_argument("--tier", choices=("browser", "server"), default="browser")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()

    started = time.monotonic()
    before = harness.machine()
    cold, warm = [], []
    with (
        tempfile.TemporaryDirectory() as work,
        BenchServer(Path(work) / "data") as server,
        harness.chromium() as browser,
    ):
        name = args.backbone or harness.default_backbone_name(server)
        backbone = harness.named_backbone(server, name)
        if args.tier == "server":
            link = make_finetuned_link(server, backbone)
        else:
            link = make_share_link(server, args.classes, backbone)
        picture = write_pictures(Path(work) / "pictures", "disc", 1, first_seed=1)[0]
        for number in range(args.visits):
            context = browser.new_context()  # a fresh profile: empty cache and storage
            context.add_init_script(path=str(MARKS))
            cold.append(visit(context, link, picture))
            warm.append(visit(context, link, picture))
            context.close()
            print(
                f"  visit {number + 1}: cold {cold[-1]['bytes'] / 1e6:.2f} MB, first prediction "
                f"{cold[-1]['first_prediction_ms']:.0f} ms; second visit "
                f"{warm[-1]['bytes'] / 1e3:.1f} kB, {warm[-1]['first_prediction_ms']:.0f} ms",
                flush=True,
            )
        chromium_version = browser.version
    summary = {
        name: {
            "bytes_median": median_of(visits, "bytes"),
            "ready_ms_median": median_of(visits, "ready_ms"),
            "first_prediction_ms_median": median_of(visits, "first_prediction_ms"),
            "requests": visits[0]["requests"],
            "backend": visits[0]["backend"],
        }
        for name, visits in (("cold", cold), ("second_visit", warm))
    }
    verdicts = [
        harness.target_line(
            f"cold start under {COLD_BYTES_TARGET / 1e6:.0f} MB",
            summary["cold"]["bytes_median"] < COLD_BYTES_TARGET,
            f"{summary['cold']['bytes_median'] / 1e6:.2f} MB",
        ),
        harness.target_line(
            f"second visit under {WARM_BYTES_TARGET / 1e3:.0f} kB",
            summary["second_visit"]["bytes_median"] < WARM_BYTES_TARGET,
            f"{summary['second_visit']['bytes_median'] / 1e3:.1f} kB",
        ),
        harness.target_line(
            f"first prediction within {FIRST_PREDICTION_TARGET_MS / 1000:.1f} s (cold)",
            summary["cold"]["first_prediction_ms_median"] <= FIRST_PREDICTION_TARGET_MS,
            f"{summary['cold']['first_prediction_ms_median']:.0f} ms",
        ),
    ]
    payload = {
        "summary": summary,
        "cold_bytes_by_kind": cold[0]["bytes_by_kind"],
        "visits": {"cold": cold, "second_visit": warm},
        "targets": verdicts,
        "settings": {
            "classes": args.classes,
            "visits": args.visits,
            "backbone": name,
            "tier": args.tier,
            "backbone_id": backbone["id"],
            "quantization": backbone["quantization"],
        },
        "environment": {
            **before,
            "load_average_after": harness.machine()["load_average"],
            "chromium": chromium_version,
            "seconds": round(time.monotonic() - started, 1),
        },
    }
    path = harness.write_results("share_cold_start", payload, args.json)
    print()
    print(
        f"Share page of a {args.tier} model on {name}, {args.visits} fresh profiles (medians; "
        f"backend {summary['cold']['backend']}, "
        f"load {before['load_average'][0]})"
    )
    print(
        harness.markdown_table(
            ["visit", "transferred", "requests", "model ready ms", "first prediction ms"],
            [
                [
                    name.replace("_", " "),
                    f"{s['bytes_median'] / 1e3:,.1f} kB",
                    s["requests"],
                    f"{s['ready_ms_median']:.0f}",
                    f"{s['first_prediction_ms_median']:.0f}",
                ]
                for name, s in summary.items()
            ],
        )
    )
    print(
        "Cold visit by kind: "
        + ", ".join(
            f"{kind} {size / 1e3:,.1f} kB" for kind, size in cold[0]["bytes_by_kind"].items()
        )
    )
    print(
        "Cold visit timeline (ms from navigation, first visit): "
        + ", ".join(f"{name} {ms:.0f}" for name, ms in cold[0]["timeline_ms"].items())
        + f", model ready {cold[0]['ready_ms']:.0f}, prediction shown "
        f"{cold[0]['first_prediction_ms']:.0f}"
    )
    print("Targets:")
    harness.print_targets(verdicts)
    print(f"JSON: {path}")


if __name__ == "__main__":
    main()
