"""`make install` adds TensorFlow's CUDA libraries where an NVIDIA GPU is present.

No GPU here: a stand-in `nvidia-smi` on PATH answers as the real one does on a GPU machine (lists
a GPU, exit 0) or on one without (exit 9); `make -n` prints what would run, running nothing.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def planned_install(tmp_path: Path, nvidia_smi: str | None, *settings: str) -> list[str]:
    """The pip install commands `make install` would run with this nvidia-smi on PATH."""
    if shutil.which("make") is None:
        pytest.skip("no make here")
    tools = tmp_path / "bin"
    tools.mkdir()
    if nvidia_smi is not None:
        (tools / "nvidia-smi").write_text(f"#!/bin/sh\n{nvidia_smi}\n")
        (tools / "nvidia-smi").chmod(0o755)
    # Only the stand-in and the system's tools: a real nvidia-smi elsewhere is not found.
    path = f"{tools}:/usr/bin:/bin"
    done = subprocess.run(
        [
            "make",
            "-n",
            "-C",
            str(REPO),
            "--no-print-directory",
            "-B",
            ".venv/.installed",
            *settings,
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "PATH": path},
        check=True,
    )
    return [line for line in done.stdout.splitlines() if "pip install" in line and " -e " in line]


def test_a_gpu_machine_gets_tensorflow_with_cuda(tmp_path):
    gpu = 'echo "GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-0)"; exit 0'
    assert planned_install(tmp_path, gpu) == [".venv/bin/pip install --quiet -e '.[test,gpu]'"]


@pytest.mark.parametrize("nvidia_smi", [None, 'echo "NVIDIA-SMI has failed" >&2; exit 9'])
def test_a_machine_without_a_gpu_gets_plain_tensorflow(tmp_path, nvidia_smi):
    assert planned_install(tmp_path, nvidia_smi) == [".venv/bin/pip install --quiet -e '.[test]'"]


def test_the_gpu_extra_is_tensorflows_cuda_one():
    import tomllib

    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    [requirement] = project["optional-dependencies"]["gpu"]
    tensorflow = next(d for d in project["dependencies"] if d.startswith("tensorflow>"))
    # The same TensorFlow versions, with its CUDA extra.
    assert requirement == tensorflow.replace("tensorflow", "tensorflow[and-cuda]", 1)
