"""The first hour of a new user (issue #17), through the real ``hongfan`` entry point and ``make``.

Every mistake the issue lists gets one line on stderr, no traceback and a non-zero exit;
``serve`` prints its banner only once the port accepts connections; ``make run`` installs
no test tool; ``make schema > graph/schema.graphql`` writes the committed schema exactly.
The commands run as subprocesses, several at a time (each pays Python's start-up).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pytest

from tests.conftest import POSTGRES_URL

ROOT = Path(__file__).resolve().parents[1]
HONGFAN = Path(sys.executable).parent / "hongfan"


@dataclass(frozen=True)
class Mistake:
    name: str
    args: list[str]
    env: dict[str, str]
    says: str  # a piece of the one line, in Chinese: the default language


def _env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HONGFAN_", "MAKE", "MFLAGS"))}
    env.update(overrides)
    return env


def _run(
    args: list[str], env: dict[str, str], cwd: Path, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(HONGFAN), *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory with a migrated SQLite database, ./hongfan.db, as `make run` leaves it."""
    from hongfan import keys
    from hongfan.migrate import upgrade
    from hongfan.settings import Settings

    path = tmp_path_factory.mktemp("first-hour")
    url = f"sqlite:///{path / 'hongfan.db'}"
    upgrade(url)
    keys.resolve(
        Settings.from_env({"HONGFAN_DATABASE_URL": url})
    )  # make run's first start writes the key file
    return path


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        yield int(sock.getsockname()[1])


def _mistakes(workdir: Path, taken_port: int) -> list[Mistake]:
    sqlite = f"sqlite:///{workdir / 'hongfan.db'}"
    mistakes = [
        Mistake(
            "export into a missing directory",
            ["export", "students", "--unmasked", "--output", "/no/such/dir/x.csv"],
            {},
            "/no/such/dir/x.csv：文件或目录不存在",
        ),
        Mistake(
            "export onto a directory",
            ["export", "students", "--unmasked", "--output", str(workdir)],
            {},
            "是一个目录",
        ),
        Mistake(
            "export where nobody may write",
            ["export", "students", "--unmasked", "-o", "/sys/hongfan-x.csv"],
            {},
            "没有权限",
        ),
        Mistake(
            "upgrade to an unknown revision",
            ["db", "upgrade", "nosuchrev"],
            {},
            "没有名为“nosuchrev”的迁移版本",
        ),
        Mistake(
            "downgrade to an unknown revision",
            ["db", "downgrade", "nosuchrev"],
            {},
            "没有名为“nosuchrev”的迁移版本",
        ),
        Mistake(
            "a port that is not a number", ["serve"], {"HONGFAN_PORT": "abc"}, "HONGFAN_PORT=abc"
        ),
        Mistake(
            "a port that is taken",
            ["serve", "--port", str(taken_port)],
            {},
            f"端口 {taken_port} 已被占用",
        ),
        Mistake(
            "a MySQL URL",
            ["db", "upgrade"],
            {"HONGFAN_DATABASE_URL": "mysql://root@localhost/hongfan"},
            "不支持的数据库类型“mysql”",
        ),
        Mistake(
            "SQLite in a missing directory",
            ["serve"],
            {"HONGFAN_DATABASE_URL": "sqlite:////no/such/dir/hongfan.db"},
            "先创建目录 /no/such/dir",
        ),
    ]
    if POSTGRES_URL:
        import sqlalchemy as sa

        server = sa.make_url(POSTGRES_URL.replace("+asyncpg", ""))
        missing = server.set(
            database="hongfan_first_hour_missing", password="s3cret"
        ).render_as_string(hide_password=False)
        mistakes.append(
            Mistake(
                "a PostgreSQL database not created yet",
                ["serve"],
                {"HONGFAN_DATABASE_URL": missing},
                "运行 hongfan db create",
            )
        )
    return [
        # The key file make run's first start wrote (see workdir): no mistake should make another.
        Mistake(
            m.name,
            m.args,
            {
                "HONGFAN_DATABASE_URL": sqlite,
                "HONGFAN_KEYRING_FILE": str(workdir / "hongfan.db.keys.json"),
                **m.env,
            },
            m.says,
        )
        for m in mistakes
    ]


def test_every_first_hour_mistake_is_one_clear_line_without_a_traceback(
    workdir: Path, taken_port: int
):
    mistakes = _mistakes(workdir, taken_port)

    # when each mistake is made through the installed `hongfan` command
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda m: _run(m.args, _env(**m.env), workdir), mistakes))

    # then each answer is one line on stderr that says what is wrong, and the exit is non-zero
    for mistake, result in zip(mistakes, results, strict=True):
        lines = result.stderr.strip().splitlines()
        assert result.returncode != 0, (mistake.name, result.stderr)
        assert "Traceback" not in result.stderr + result.stdout, (mistake.name, result.stderr)
        assert len(lines) == 1, (mistake.name, result.stderr)
        assert lines[0].startswith("hongfan: ") and mistake.says in lines[0], (
            mistake.name,
            lines[0],
        )
        assert "s3cret" not in result.stderr, mistake.name  # a password is never shown


def test_serve_prints_its_banner_only_once_the_port_accepts_connections(workdir: Path):
    port = _free_port()
    env = _env(HONGFAN_DATABASE_URL=f"sqlite:///{workdir / 'hongfan.db'}", PYTHONUNBUFFERED="1")
    process = subprocess.Popen(
        [str(HONGFAN), "serve", "--port", str(port)],
        env=env,
        cwd=workdir,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()  # blocks until the banner
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            pass  # accepted at once: the banner came after the bind
        assert f"http://127.0.0.1:{port}" in first and "红帆" in first
        banner = [process.stdout.readline() for _ in range(5)]
        assert any(f"SQLite {workdir / 'hongfan.db'}" in line for line in banner)
    finally:
        process.terminate()
        process.wait(timeout=30)


def _requirement_names(dist: str, extra: str | None = None) -> set[str]:
    """``dist``'s requirements (with ``extra``'s), without markers that do not apply here."""
    from packaging.requirements import Requirement

    names = set()
    for line in metadata.requires(dist) or []:
        requirement = Requirement(line)
        environment = {"extra": extra or ""}
        if requirement.marker is None or requirement.marker.evaluate(environment):
            names.add(_canonical(requirement.name))
    return names


def _name(requirement: str) -> str:
    from packaging.requirements import Requirement

    return Requirement(requirement).name


def _applies(requirement: str) -> bool:
    from packaging.requirements import Requirement

    marker = Requirement(requirement).marker
    return marker is None or marker.evaluate({"extra": ""})


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _closure(names: set[str]) -> set[str]:
    seen: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            todo += _requirement_names(name)
        except metadata.PackageNotFoundError:
            pass  # not installed here: a platform-specific dependency (e.g. on Windows)
    return seen


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_run_installs_what_serving_needs_and_no_test_tool(tmp_path: Path):
    # given what `make run` would run in a fresh clone (a venv that does not exist yet)
    plan = subprocess.run(
        ["make", "-n", "run", f"VENV={tmp_path / 'venv'}"],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    installs = [line for line in plan.splitlines() if "pip install" in line]

    # then it installs Hongfan without extras, and that set holds none of the test tools
    assert len(installs) == 1 and installs[0].rstrip().endswith("-e . >&2"), installs
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    installed = _closure({_canonical(_name(r)) for r in project["dependencies"] if _applies(r)})
    test_tools = {_canonical(_name(r)) for r in project["optional-dependencies"]["test"]}
    assert {"pytest", "playwright", "mypy", "ruff", "import-linter"} <= test_tools
    assert {"starlette", "uvicorn", "sqlalchemy"} <= installed
    assert installed & test_tools == set()


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_schema_writes_the_committed_schema_even_while_installing(tmp_path: Path):
    # given a venv whose pip talks on stdout (as a fresh install does) and the real hongfan
    venv = tmp_path / "venv" / "bin"
    venv.mkdir(parents=True)
    (venv / "python").write_text(
        f'#!/bin/sh\nif [ "$1 $2" = "-m pip" ]; then echo "Collecting strawberry-graphql"; exit 0; fi\nexec {sys.executable} "$@"\n'
    )
    (venv / "hongfan").write_text(f'#!/bin/sh\nexec {HONGFAN} "$@"\n')
    for script in venv.iterdir():
        script.chmod(0o755)

    # when the README's command runs: make schema > graph/schema.graphql
    result = subprocess.run(
        ["make", "schema", f"VENV={venv.parent}"],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )

    # then standard output is the committed schema, byte for byte; pip spoke on stderr
    assert result.returncode == 0, result.stderr
    assert "Collecting strawberry-graphql" in result.stderr
    assert result.stdout == (ROOT / "graph" / "schema.graphql").read_text(encoding="utf-8"), (
        "graph/schema.graphql is out of date: run `make schema > graph/schema.graphql` and commit it"
    )


async def test_the_admin_ui_speaks_chinese_to_an_english_browser_until_english_is_chosen(
    tmp_path: Path,
):
    import httpx

    from hongfan.app import create_app
    from hongfan.settings import Settings

    app = create_app(
        Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'hongfan.db'}", secret_key="x")
    )
    english_browser = {"accept-language": "en-US,en;q=0.9"}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://hongfan.test"
    ) as http:
        # when a browser set to English opens the admin UI, then it is in Chinese
        page = await http.get("/admin/login", headers=english_browser)
        assert page.status_code == 200 and "登录" in page.text and "Sign in" not in page.text
        # when the person chooses English, then it is in English
        chosen = await http.get(
            "/admin/login", headers={**english_browser, "cookie": "hongfan_lang=en"}
        )
        assert "Sign in" in chosen.text
        # an API client's Accept-Language is its choice: the API answers in English
        api = await http.post("/auth/login", json={}, headers={"accept-language": "en"})
        assert api.status_code == 400 and api.json()["error"].isascii()
    await app.state.db.dispose()
