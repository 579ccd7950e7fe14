"""A fine-tuning job's settings: defaults and limits.

No Keras here: the API checks a request with this module before any job exists.
"""

from dataclasses import asdict, dataclass, fields
from typing import Any

from ..errors import FieldInvalid

INPUT_SIZES = (96, 128, 160, 192, 224)  # Keras's MobileNetV2 sizes; the page's backbone uses 224
PRECISIONS = ("auto", "mixed", "float32")


@dataclass(frozen=True)
class FinetuneSettings:
    """What a job trains with; a request may change any of these."""

    # Both runs (train.py) take this many epochs: of 5 to 40, 20 scored best on clothing-dev's
    # first 3 draws of 10 pictures per class (benchmarks/LOG.md, section 1, server fine-tune).
    epochs: int = 20
    batch_size: int = 16
    learning_rate: float = 1e-4
    input_size: int = 224
    unfreeze_blocks: int = 3
    # The share of its way from the start that each run's training keeps (train.py
    # blend_toward_start; 1: all of it). None: by the project's size (train.py blend_share).
    blend: float | None = None
    seed: int = 0
    precision: str = "auto"  # auto: mixed float16 on a GPU, float32 on a CPU

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, stored: dict[str, Any]) -> "FinetuneSettings":
        """A queued job's stored settings; names this version no longer has (a job queued
        before an upgrade: `patience`) are dropped, new ones take their defaults."""
        names = {field.name for field in fields(cls)}
        return cls(**{name: value for name, value in stored.items() if name in names})


CHOICES: dict[str, tuple] = {"input_size": INPUT_SIZES, "precision": PRECISIONS}
RANGES: dict[str, tuple] = {
    "epochs": (1, 100),
    "batch_size": (1, 256),
    "learning_rate": (1e-6, 0.1),
    "unfreeze_blocks": (0, 16),
    "blend": (0.0, 1.0),
    "seed": (0, 2**31 - 1),
}


def parse_settings(body: dict[str, Any]) -> FinetuneSettings:
    """Settings from a request body's fields (FieldInvalid naming the first bad one)."""
    values = {}
    for field in fields(FinetuneSettings):
        name = field.name
        if name not in body:
            continue
        value = body[name]
        if name in CHOICES:
            if isinstance(value, bool) or value not in CHOICES[name]:
                raise FieldInvalid(name, f"must be one of {', '.join(map(str, CHOICES[name]))}")
        else:
            if value is None and field.default is None:
                values[name] = None  # asked for the default that depends on the data
                continue
            low, high = RANGES[name]
            is_float = field.type in (float, float | None)
            if isinstance(value, bool) or not isinstance(value, (int, float) if is_float else int):
                raise FieldInvalid(name, "must be a number" if is_float else "must be an integer")
            if not low <= value <= high:
                raise FieldInvalid(name, f"must be from {low} to {high}")
            value = float(value) if is_float else int(value)
        values[name] = value
    return FinetuneSettings(**values)
