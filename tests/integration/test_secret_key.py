"""Outside tests and demo mode the app refuses to start without a stable SECRET_KEY: a random key
per process would log people out at each restart, split sessions across gunicorn workers and seal
Clover tokens no other process could open."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from webapp import config as settings
from webapp import create_app

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def no_secret(monkeypatch, tmp_path):
    """An environment with no SECRET_KEY and an instance folder without secret_key."""
    for name in ("SECRET_KEY", "DEMO_MODE", "CLOVER_TOKEN_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(settings, "INSTANCE", tmp_path)
    return tmp_path


def test_without_secret_key_the_app_refuses_to_start_and_says_what_to_set(no_secret):
    with pytest.raises(settings.MissingSecretKey) as refused:
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    message = str(refused.value)
    assert "SECRET_KEY is not set" in message
    assert "CLOVER_TOKEN_KEY" in message


def test_the_key_from_the_environment_is_used_by_every_app(no_secret, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "the-same-for-every-worker")
    first = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    second = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"] == "the-same-for-every-worker"


def test_the_key_make_run_wrote_under_instance_is_enough(no_secret):
    (no_secret / "secret_key").write_text("written-by-make-run\n")
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["SECRET_KEY"] == "written-by-make-run"


def test_an_empty_key_file_is_no_key(no_secret):
    (no_secret / "secret_key").write_text("\n")
    with pytest.raises(settings.MissingSecretKey):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_demo_mode_still_starts_with_a_key_of_its_own(no_secret, monkeypatch):
    monkeypatch.setenv("DEMO_MODE", "1")
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert len(app.config["SECRET_KEY"]) >= 32


def test_gunicorns_entry_point_exits_with_the_message(tmp_path):
    env = {key: value for key, value in os.environ.items() if key not in ("SECRET_KEY", "DEMO_MODE")}
    env.update(SHELFCOUNT_INSTANCE=str(tmp_path), DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}",
               PYTHONDONTWRITEBYTECODE="1")
    result = subprocess.run([sys.executable, "-c", "import wsgi"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr
