"""Uploads leave the studio small and clean: a big photo with a GPS position is shrunk to 512 px
JPEG without EXIF in the page, and the page's embedding is that of the stored picture."""

import io
import re
import time
from pathlib import Path

import numpy as np
from PIL import Image
from playwright.sync_api import Page
from skimage import data as skimage_data

from .conftest import wait_until
from .test_studio import start_project

GPS_IFD = 0x8825
EMBED_IN_PAGE = """async ([modelUrl, imageUrl]) => {
    const { loadBackbone } = await import('/static/js/backbone.js');
    const backbone = await loadBackbone(modelUrl);
    const bitmap = await createImageBitmap(await (await fetch(imageUrl)).blob());
    const [vector] = await backbone.embedMirrored(bitmap);
    bitmap.close();
    return Array.from(vector);
}"""


def phone_photo(path: Path) -> Path:
    """A 1536 x 1024 photo (real picture detail, tiled) whose EXIF holds a camera and a GPS
    position, as a phone writes them."""
    tile = skimage_data.astronaut()
    pixels = np.concatenate([np.concatenate([tile] * 3, axis=1)] * 2, axis=0)
    exif = Image.Exif()
    exif[0x010F] = "PhoneCam"
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)})
    Image.fromarray(pixels).save(path, format="JPEG", quality=95, exif=exif.tobytes())
    return path


def cosine(a, b) -> float:
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))


def test_an_uploaded_photo_is_shrunk_without_exif_and_embedded_as_stored(
    page: Page, live_server, tmp_path
):
    original = phone_photo(tmp_path / "holiday.jpg")
    start_project(page, live_server.url)
    page.locator(".class-card").nth(0).locator("input[type=file]").set_input_files(str(original))
    wait_until(page, "document.querySelectorAll('.thumb[data-status=saved]').length === 1")
    wait_until(page, "document.body.dataset.pendingUploads === '0'")
    project_id, owner = re.search(r"/p/([^#/?]+).*owner=([^&]+)", page.url).groups()

    api = live_server.app.test_client()
    auth = {"Authorization": f"Bearer {owner}"}
    (sample,) = api.get(f"/api/projects/{project_id}/samples", headers=auth).json["samples"]
    listing = api.get("/api/backbones").json
    # The project's backbone: the server's default, as the project never chose another.
    backbone = next(b for b in listing["backbones"] if b["id"] == listing["default"])
    with api.get(sample["image_url"], headers=auth) as response:
        stored = response.data
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG" and max(image.size) == 512, image.size
        assert not image.getexif() and "exif" not in image.info

    # The embedding the page computed when the picture was added, as it stored it on the server.
    embedding_url = f"/api/samples/{sample['id']}/embeddings/{backbone['id']}"
    deadline = time.monotonic() + 60
    while (answer := api.get(embedding_url, headers=auth)).status_code != 200:
        assert time.monotonic() < deadline, "the page never stored the picture's embedding"
        time.sleep(0.5)
    size = backbone["metadata"]["embedding_size"]
    from_page = np.frombuffer(answer.data, "<f4")[:size]

    # The same backbone, in the same browser, on the stored picture and on the original file.
    image_url = live_server.url + sample["image_url"]
    of_stored = page.evaluate(EMBED_IN_PAGE, [backbone["model_url"], image_url])
    page.route("**/original.jpg", lambda route: route.fulfill(path=str(original)))
    of_original = page.evaluate(EMBED_IN_PAGE, [backbone["model_url"], "/original.jpg"])
    assert cosine(from_page, of_stored) >= 0.999
    assert cosine(from_page, of_stored) > cosine(from_page, of_original)
