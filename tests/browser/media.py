"""Generated pictures and webcam videos that are easy to tell apart, for browser tests."""

import io
from pathlib import Path

import numpy as np
from PIL import Image

SIZE = 240


def scene(kind: str, seed: int, size: int = SIZE) -> np.ndarray:
    """An RGB picture of one kind: a red disc, blue stripes, or a green checkerboard, with noise."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size]
    shift = rng.integers(-size // 10, size // 10 + 1, size=2)
    if kind == "disc":
        centre = size / 2 + shift
        inside = (yy - centre[0]) ** 2 + (xx - centre[1]) ** 2 < (size * 0.3) ** 2
        image = np.where(inside[..., None], [250, 250, 250], [200, 30, 40])
    elif kind == "stripes":
        bands = ((yy + shift[0]) // (size // 8)) % 2 == 0
        image = np.where(bands[..., None], [30, 60, 210], [230, 230, 120])
    elif kind == "checks":
        cells = (((yy + shift[0]) // (size // 6)) + ((xx + shift[1]) // (size // 6))) % 2 == 0
        image = np.where(cells[..., None], [30, 170, 60], [20, 20, 20])
    else:
        raise ValueError(kind)
    noisy = image + rng.normal(0, 12, size=image.shape)
    return np.clip(noisy, 0, 255).astype(np.uint8)


def png_bytes(pixels: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format="PNG")
    return out.getvalue()


def write_pictures(folder: Path, kind: str, count: int, first_seed: int) -> list[Path]:
    """Write `count` PNG pictures of one kind, each with its own noise and offset."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        path = folder / f"{kind}-{first_seed + i}.png"
        path.write_bytes(png_bytes(scene(kind, first_seed + i)))
        paths.append(path)
    return paths


def rgb_to_yuv420(pixels: np.ndarray) -> bytes:
    """BT.601 full-range RGB to planar YUV 4:2:0, as y4m's C420jpeg wants."""
    rgb = pixels.astype(np.float32)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    y = 0.299 * r + 0.587 * g + 0.114 * b
    u = -0.168736 * r - 0.331264 * g + 0.5 * b + 128
    v = 0.5 * r - 0.418688 * g - 0.081312 * b + 128

    def half(plane: np.ndarray) -> np.ndarray:
        h, w = plane.shape
        return plane.reshape(h // 2, 2, w // 2, 2).mean(axis=(1, 3))

    planes = [y, half(u), half(v)]
    return b"".join(np.clip(p, 0, 255).astype(np.uint8).tobytes() for p in planes)


def write_webcam_video(
    path: Path, scenes: list[str], frames_per_scene: int, fps: int = 10, size=(SIZE, SIZE)
) -> Path:
    """A y4m video for Chromium's fake webcam: each scene in turn, then again (Chromium loops).
    size: (width, height); a wider than high frame is the top of a square scene."""
    width, height = size
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for index, kind in enumerate(scenes):
            for frame in range(frames_per_scene):
                pixels = scene(kind, seed=10_000 * (index + 1) + frame, size=max(size))
                out.write(b"FRAME\n")
                out.write(rgb_to_yuv420(pixels[:height, :width]))
    return path
