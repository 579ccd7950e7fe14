"""A teacher fine-tunes on the server: the studio follows the job and previews the server model.

The job is tiny (2 classes x 8 generated pictures, 96 px, 1 epoch) and runs on the CPU through
the embedded runner, in the live server's own process.
"""

import time
from pathlib import Path

from playwright.sync_api import Page, expect

from server.finetune.model import gpu_present

from ..conftest import Api
from .conftest import wait_until
from .media import png_bytes, scene, write_pictures
from .test_studio import classify_file, screenshot, wait_until_saved_and_prepared

TINY_JOB = {"input_size": 96, "epochs": 1, "batch_size": 8}
JOB_TIMEOUT_S = 300


def test_teacher_fine_tunes_on_the_server_and_previews_its_model(
    page: Page, live_server, tmp_path: Path
):
    api = Api(live_server.app.test_client())
    project = api.create_project("Shapes", classes=("disc", "stripes"))
    for cls in project["classes"]:
        pictures = [png_bytes(scene(cls["name"], seed, 96)) for seed in range(8)]
        api.add_samples(project, *pictures, class_id=cls["id"])
    started = api.client.post(
        f"/api/projects/{project['id']}/finetune", json=TINY_JOB, headers=api.auth(project)
    )
    assert started.status_code == 202, started.json

    page.goto(f"{live_server.url}/p/{project['id']}#owner={project['owner_token']}")
    panel = page.locator(".finetune-panel")
    seen = set()
    deadline = time.monotonic() + JOB_TIMEOUT_S
    while (state := panel.get_attribute("data-state")) != "succeeded":
        assert state not in ("failed", "cancelled"), panel.inner_text()
        assert time.monotonic() < deadline, f"job still {state}: {panel.inner_text()}"
        seen.add(panel.locator(".finetune-status").inner_text())
        page.wait_for_timeout(250)
    # The page followed the job while it ran: at least one status line came before the result.
    assert any(line for line in seen if "Done" not in line), seen
    assert panel.locator(".server-accuracy").inner_text().endswith("%")
    assert "version 1" in panel.locator(".finetune-status").inner_text()
    # The server fine-tuned its most accurate network, and the panel says so, and where.
    device = "GPU" if gpu_present() else "CPU"
    expect(panel.locator(".finetune-network")).to_have_text(
        f"Picture network: EfficientNet-Lite0 (the more accurate one) · on the server's {device}"
    )
    # The version it saved is listed with the others at once.
    expect(page.locator(".model-panel")).to_contain_text("Version 1")

    # Trained in the page on the same pictures, the quick model is compared on the same held-out
    # pictures (one of each class's eight), and the panel says plainly whether the server's helped.
    wait_until_saved_and_prepared(page)
    page.get_by_role("button", name="Train model").click()
    expect(page.locator(".train-status")).to_contain_text("Trained in", timeout=120_000)
    expect(panel).not_to_have_attribute("data-verdict", "none")
    assert panel.get_attribute("data-verdict") in ("helped", "did-not-help")
    expect(panel.locator(".finetune-verdict")).to_contain_text("On the same 2 held-out pictures")
    screenshot(page, "studio-finetune-verdict")

    page.get_by_role("button", name="Use the server model for the preview").click()
    wait_until(
        page, "document.querySelector('.finetune-panel').dataset.usingServerModel === 'true'"
    )
    [disc] = write_pictures(tmp_path / "try", "disc", 1, first_seed=100)
    assert classify_file(page, disc) == "disc"
    bars = page.locator(".preview-panel .prediction")
    assert bars.count() == 2
