"""A development server keeps its cookie-signing secret across restarts (tester finding 8.9 / 2)."""

from __future__ import annotations

from pathlib import Path

from hongfan.app import create_app
from hongfan.settings import Settings


def _start(url: str) -> str:
    """Start the app as `make run` does (no HONGFAN_SECRET_KEY) and return the key it signs with."""
    app = create_app(Settings.from_env({"HONGFAN_DATABASE_URL": url}))
    return str(app.state.settings.secret_key)


def test_given_make_run_without_a_secret_when_the_server_restarts_then_cookies_stay_valid(
    tmp_path: Path,
) -> None:
    """Given a development database and no HONGFAN_SECRET_KEY, when the server is started,
    stopped and started again (or a second process starts beside it), then it signs with the
    same key, so nobody is signed out and trusted-device cookies keep working; the key lives
    in hongfan.db.secret beside the database, readable by its owner only."""
    url = f"sqlite:///{tmp_path / 'hongfan.db'}"
    first = _start(url)
    again = _start(url)
    assert first and first == again
    key_file = tmp_path / "hongfan.db.secret"
    assert key_file.read_text().strip() == first
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    # Another database gets a key of its own.
    assert _start(f"sqlite:///{tmp_path / 'other.db'}") != first


def test_given_a_secret_in_the_environment_then_it_is_used_and_no_key_file_is_written(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'hongfan.db'}"
    app = create_app(
        Settings.from_env({"HONGFAN_DATABASE_URL": url, "HONGFAN_SECRET_KEY": "from-env"})
    )
    assert app.state.settings.secret_key == "from-env"
    assert not (tmp_path / "hongfan.db.secret").exists()


def test_given_make_run_then_listing_the_migrations_leaves_no_stray_keyring(
    tmp_path: Path, monkeypatch
) -> None:
    """`hongfan demo` (which checks the migrations' head) made a second, different
    ./hongfan.keys.json beside hongfan.db.keys.json; the README names one key file."""
    from hongfan import migrate

    monkeypatch.chdir(tmp_path)
    migrate.head()
    assert list(tmp_path.iterdir()) == []
