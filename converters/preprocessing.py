"""The one preprocessing convention, in Python: centre square, bilinear resize, scale.

Every picture that reaches a network on the server (fine-tuning, int8 calibration, tests) goes
through `square_picture`; docs/architecture.md ("One preprocessing convention") states the steps.
Pure NumPy and Pillow, so the API and the fine-tuning data use it without loading a framework.
Scaling (step 3) happens inside every classifier: its Rescaling layer takes SCALE and OFFSET
from here, so pictures are handed to a model as RGB 0..255.
"""

import io

import numpy as np
from PIL import Image, ImageOps

# MobileNetV2's own scaling: x / 127.5 - 1, from RGB 0..255 to [-1, 1].
SCALE = 1 / 127.5
OFFSET = -1.0


def decode_rgb(data: bytes, upright: bool = False) -> np.ndarray:
    """Image bytes -> RGB uint8 [height, width, 3]. Stored pictures are upright already (the
    upload turned them); upright=True turns a photo read from disk as its EXIF says, as the
    upload would have (benchmarks)."""
    with Image.open(io.BytesIO(data)) as image:
        return np.asarray((ImageOps.exif_transpose(image) if upright else image).convert("RGB"))


def centre_square(pixels: np.ndarray) -> np.ndarray:
    """The centred square whose side is the shorter side."""
    height, width = pixels.shape[:2]
    side = min(height, width)
    top, left = (height - side) // 2, (width - side) // 2
    return pixels[top : top + side, left : left + side]


def resize_bilinear(pixels: np.ndarray, height: int, width: int) -> np.ndarray:
    """Bilinear resize with half pixel centres and no antialiasing, float32.

    The same numbers as TF.js's resizeBilinear(..., halfPixelCenters=true) in the page and
    Python's tf.image.resize(method="bilinear").
    """
    source = pixels.astype(np.float32)

    def taps(out_size: int, in_size: int):
        centres = (np.arange(out_size, dtype=np.float32) + 0.5) * (in_size / out_size) - 0.5
        centres = np.clip(centres, 0, in_size - 1)
        low = np.floor(centres).astype(np.int64)
        high = np.minimum(low + 1, in_size - 1)
        return low, high, (centres - low).astype(np.float32)[:, None]

    y0, y1, wy = taps(height, source.shape[0])
    x0, x1, wx = taps(width, source.shape[1])
    rows = source[y0] * (1 - wy[..., None]) + source[y1] * wy[..., None]
    return rows[:, x0] * (1 - wx) + rows[:, x1] * wx


def square_picture(data: bytes, size: int, upright: bool = False) -> np.ndarray:
    """Image bytes -> what a classifier takes: float32 [size, size, 3], RGB 0..255 (upright:
    see decode_rgb)."""
    return resize_bilinear(centre_square(decode_rgb(data, upright)), size, size)


def scaled(pixels: np.ndarray) -> np.ndarray:
    """Step 3 for a network without the classifier's Rescaling layer (a bare backbone): RGB
    0..255 -> x / 127.5 - 1."""
    return pixels * np.float32(SCALE) + np.float32(OFFSET)
