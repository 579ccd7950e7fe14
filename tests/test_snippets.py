"""The usage snippets users see prepare a picture exactly as the model expects it.

tests/browser/test_exports.py runs each whole snippet on real exports; this checks their picture
lines against the one preprocessing on pictures of many shapes, cheaply.
"""

import io
import os
import re

import numpy as np
import pytest
from PIL import Image

from converters.preprocessing import square_picture
from server.snippets import usage_snippet

SIZE = 224


def picture_lines(snippet: str) -> str:
    """The snippet's lines from opening photo.jpg to making the batch, as the page shows them."""
    match = re.search(r"^(pixels|image) = .*?^batch = .*?$", snippet, flags=re.S | re.M)
    assert match, snippet
    return match.group(0)


@pytest.mark.parametrize("fmt", ["keras", "tflite", "savedmodel"])
@pytest.mark.parametrize("shape", [(480, 640), (300, 200), (224, 224), (100, 150)])
def test_python_snippets_prepare_pictures_as_the_model_was_trained(fmt, shape, tmp_path):
    rng = np.random.default_rng(sum(shape))
    pixels = rng.integers(0, 256, (*shape, 3), dtype=np.uint8)
    data = io.BytesIO()
    Image.fromarray(pixels).save(data, format="PNG")
    (tmp_path / "photo.jpg").write_bytes(data.getvalue())  # Pillow reads it by its content
    code = picture_lines(usage_snippet(fmt, "model", ["a", "b"], SIZE))
    namespace = {"np": np, "Image": Image}
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        exec(code, namespace)  # noqa: S102 - our own snippet, run as users run it
    finally:
        os.chdir(cwd)
    batch = namespace["batch"]
    assert batch.shape == (1, SIZE, SIZE, 3)
    expected = square_picture(data.getvalue(), SIZE)
    assert batch.dtype == np.float32  # what the SavedModel and TFLite inputs take
    # Grey levels 0..255; what is left is float32 rounding of the coordinates.
    assert np.abs(batch[0] - expected).max() < 0.05
