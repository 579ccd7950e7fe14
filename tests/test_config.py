"""Settings: defaults, then instance/config.py, then SNAPCLASS_* variables, then test_config."""

from pathlib import Path

import pytest
from flask import Flask

from server import create_app
from server.config import SETTINGS, load_config

README = Path(__file__).resolve().parent.parent / "README.md"


@pytest.fixture
def bare_app(tmp_path: Path) -> Flask:
    """A Flask app whose instance folder is in tmp_path, for loading config alone."""
    return Flask("settings_test", instance_path=str(tmp_path / "instance"))


@pytest.fixture(autouse=True)
def no_snapclass_environment(monkeypatch):
    for setting in SETTINGS:
        monkeypatch.delenv(setting.env_var, raising=False)


def test_every_setting_is_documented_in_the_readme():
    text = README.read_text() if README.exists() else ""
    missing = [s.env_var for s in SETTINGS if s.env_var not in text]
    assert not missing, f"README.md does not mention {', '.join(missing)}"


def test_every_setting_has_an_environment_name_and_a_description():
    names = [s.name for s in SETTINGS]
    assert len(set(names)) == len(names)
    for setting in SETTINGS:
        assert setting.env_var == "SNAPCLASS_" + setting.name
        assert setting.description.endswith(".")


def test_defaults_put_data_and_sqlite_database_in_the_instance_folder(bare_app):
    load_config(bare_app)
    instance = Path(bare_app.instance_path)
    assert bare_app.config["DATA_DIR"] == str(instance)
    assert instance.is_dir()
    assert bare_app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{instance}/snapclass.sqlite3"
    assert bare_app.config["MAX_UPLOAD_BYTES"] == 10 * 1024 * 1024
    assert bare_app.config["MAX_CONTENT_LENGTH"] == bare_app.config["MAX_REQUEST_BYTES"]
    assert bare_app.config["MAX_PIXELS"] == 25_000_000
    assert bare_app.config["BACKBONE_DIR"].endswith("build/backbones")
    assert len(bare_app.config["SECRET_KEY"]) >= 32


def test_a_made_secret_key_is_kept_in_the_data_folder_for_the_next_start(bare_app, tmp_path):
    load_config(bare_app)
    kept = Path(bare_app.instance_path) / "secret_key"
    assert kept.read_text().strip() == bare_app.config["SECRET_KEY"]
    assert kept.stat().st_mode & 0o077 == 0  # readable by the server's user only
    restarted = Flask("settings_test", instance_path=bare_app.instance_path)
    load_config(restarted)
    assert restarted.config["SECRET_KEY"] == bare_app.config["SECRET_KEY"]
    assert [p.name for p in kept.parent.iterdir()] == ["secret_key"]


def test_instance_file_then_environment_then_test_config_win(bare_app, monkeypatch):
    instance = Path(bare_app.instance_path)
    instance.mkdir()
    (instance / "config.py").write_text(
        "MAX_PIXELS = 111\nMAX_UPLOAD_BYTES = 222\nSECRET_KEY = 'f'\n"
    )
    monkeypatch.setenv("SNAPCLASS_MAX_UPLOAD_BYTES", "333")
    monkeypatch.setenv("SNAPCLASS_SECRET_KEY", "from-env")
    load_config(bare_app, {"SECRET_KEY": "from-test"})
    assert bare_app.config["MAX_PIXELS"] == 111
    assert bare_app.config["MAX_UPLOAD_BYTES"] == 333
    assert bare_app.config["SECRET_KEY"] == "from-test"


def test_environment_sets_folders_database_and_limits(bare_app, monkeypatch, tmp_path):
    monkeypatch.setenv("SNAPCLASS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SNAPCLASS_BACKBONE_DIR", str(tmp_path / "bb"))
    monkeypatch.setenv("SNAPCLASS_DATABASE_URL", "postgresql://db.example/snapclass")
    monkeypatch.setenv("SNAPCLASS_MAX_REQUEST_BYTES", "12345")
    monkeypatch.setenv("SNAPCLASS_MAX_PIXELS", "1000")
    load_config(bare_app)
    config = bare_app.config
    assert config["DATA_DIR"] == str(tmp_path / "data")
    assert (tmp_path / "data").is_dir()
    assert config["BACKBONE_DIR"] == str(tmp_path / "bb")
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://db.example/snapclass"
    assert config["MAX_CONTENT_LENGTH"] == 12345
    assert config["MAX_PIXELS"] == 1000


def test_a_bad_number_in_the_environment_names_the_variable(bare_app, monkeypatch):
    monkeypatch.setenv("SNAPCLASS_MAX_PIXELS", "lots")
    with pytest.raises(ValueError, match="SNAPCLASS_MAX_PIXELS"):
        load_config(bare_app)


def test_missing_instance_file_is_fine(bare_app):
    load_config(bare_app)
    assert not (Path(bare_app.instance_path) / "config.py").exists()


def test_create_app_reads_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("SNAPCLASS_DATA_DIR", str(tmp_path / "env-data"))
    app = create_app({"TESTING": True})
    assert app.config["DATA_DIR"] == str(tmp_path / "env-data")
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("env-data/snapclass.sqlite3")
