"""Every expected failure of a command as one line in the user's language, and its exit status.

A handler raises; :func:`hongfan.cli.main` catches it as :class:`Failed` and prints
:func:`one_line`. What counts as expected: our own errors (commands, settings, the
database, the domain's field errors), Alembic's, SQLAlchemy's, the operating system's
(files, ports) and Ctrl+C. Anything else is a bug: still one line, pointing at ``--debug``.
"""

from __future__ import annotations

import errno
import re
import sys

from hongfan.cli.common import CommandError
from hongfan.settings import SettingsError, describe_database
from models.messages import message

INTERRUPTED = 130  # the shell's convention for SIGINT


class Failed(Exception):
    """A handler's error, with the database the command used (None when it used none)."""

    def __init__(self, error: BaseException, url: str | None) -> None:
        super().__init__(str(error))
        self.error = error
        self.url = url


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def _os_error(error: OSError, lang: str) -> str | None:
    path = error.filename
    if path is None:
        return None
    codes = {
        errno.ENOENT: "os.not_found",
        errno.EISDIR: "os.is_directory",
        errno.ENOTDIR: "os.not_directory",
        errno.EACCES: "os.permission",
        errno.EPERM: "os.permission",
        errno.EROFS: "os.permission",
    }
    code = codes.get(error.errno or 0, "os.error")
    return message(code, lang, path=path, reason=error.strerror or _first_line(error))


def _alembic_error(error: BaseException, lang: str, url: str | None) -> str | None:
    alembic_util = sys.modules.get("alembic.util")
    if alembic_util is None or not isinstance(error, alembic_util.CommandError):
        return None
    text = _first_line(error)
    missing = re.search(r"Can't locate revision identified by '([^']*)'", text)
    if missing:
        return message("db.no_revision", lang, revision=missing.group(1))
    return message("db.migration_failed", lang, reason=text, database=describe_database(url or ""))


def _domain_error(error: BaseException, lang: str) -> str | None:
    """A HongfanError's field errors (rendered already, in the principal's language)."""
    errors = getattr(error, "errors", None)
    if not isinstance(errors, list) or not errors or not all(hasattr(e, "message") for e in errors):
        return None
    return ("；" if lang == "zh" else "; ").join(
        f"{e.field}: {e.message}" if e.field else e.message for e in errors
    )


def _in_database(text: str, lang: str, url: str | None) -> str:
    if url is None:
        return text
    return message("cli.failed_in", lang, message=text, database=describe_database(url))


def one_line(error: BaseException, lang: str, url: str | None) -> tuple[str, int]:
    """``error`` as one line in ``lang``, and the exit status that goes with it."""
    from hongfan.startup import explain

    if isinstance(error, KeyboardInterrupt):
        return message("cli.interrupted", lang), INTERRUPTED
    if isinstance(error, SettingsError):
        return error.message(lang), 1
    if isinstance(error, CommandError):
        return _in_database(error.message(lang), lang, url), error.status
    problem = explain(error, url) if url is not None else None
    if problem is not None:
        return problem.message(lang), 1
    text = _alembic_error(error, lang, url) or _domain_error(error, lang)
    if text is not None:
        return _in_database(text, lang, url), 1
    if isinstance(error, OSError):
        text = _os_error(error, lang)
        if text is not None:
            return text, 1
    sqlalchemy_exc = sys.modules.get("sqlalchemy.exc")
    if (
        url is not None
        and sqlalchemy_exc is not None
        and isinstance(error, sqlalchemy_exc.SQLAlchemyError)
    ):
        reason = _first_line(getattr(error, "orig", None) or error)
        return message("db.error", lang, database=describe_database(url), reason=reason), 1
    kind = type(error).__name__
    return message("cli.unexpected", lang, kind=kind, reason=_first_line(error)), 1
