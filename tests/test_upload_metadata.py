"""Pictures that arrive through the API with metadata (EXIF: GPS, camera, date; XMP) are
stored re-encoded without it; pictures without metadata are kept byte for byte."""

import io

import pytest
from PIL import Image

GPS_IFD = 0x8825
MAKE = 0x010F
ORIENTATION = 0x0112


def photo(fmt: str = "JPEG", gps: bool = False, orientation: int | None = None) -> bytes:
    """A small picture whose EXIF holds a camera make, and a GPS position or an orientation."""
    image = Image.new("RGB", (64, 48), (30, 120, 200))
    image.paste((250, 250, 0), (0, 0, 16, 16))
    exif = Image.Exif()
    exif[MAKE] = "PhoneCam"
    if gps:
        exif.get_ifd(GPS_IFD).update({1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)})
    if orientation is not None:
        exif[ORIENTATION] = orientation
    out = io.BytesIO()
    image.save(out, format=fmt, exif=exif.tobytes())
    return out.getvalue()


def without_metadata(data: bytes) -> bool:
    with Image.open(io.BytesIO(data)) as image:
        return not image.getexif() and "exif" not in image.info and "xmp" not in image.info


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_a_photo_with_its_gps_position_is_stored_without_it(api, project, fmt):
    sent = photo(fmt, gps=True)
    with Image.open(io.BytesIO(sent)) as image:
        assert image.getexif().get_ifd(GPS_IFD), "the test photo must carry a GPS position"
    (sample,) = api.add_samples(project, (sent, f"p.{fmt.lower()}", "image/jpeg"))
    stored = api.image_data(sample)
    assert stored != sent and without_metadata(stored)
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == fmt and image.size == (64, 48)
        assert image.convert("RGB").getpixel((40, 30)) == pytest.approx((30, 120, 200), abs=6)


def test_a_rotated_photo_is_stored_upright_without_its_exif(api, project):
    sent = photo("JPEG", orientation=6)  # the camera was turned: rotate 90° clockwise to view
    (sample,) = api.add_samples(project, (sent, "p.jpg", "image/jpeg"))
    assert (sample["width"], sample["height"]) == (48, 64)
    assert without_metadata(api.image_data(sample))


def test_a_picture_without_metadata_is_kept_byte_for_byte(api, project, image):
    for sent in (image("PNG"), image("JPEG", color=(1, 2, 3))):
        (sample,) = api.add_samples(project, (sent, "p", "image/png"))
        assert api.image_data(sample) == sent
