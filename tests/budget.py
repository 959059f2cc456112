"""How many generated cases the generated (differential, random-write) tests run.

CI runs a bounded number, enough to exercise every path the generators reach with a fixed
seed; the whole suite must stay under 15 minutes on a 2-core machine. To explore further
locally, scale every generated test up: ``HONGFAN_TEST_SCALE=5 make test`` (or a single
file with pytest) runs five times as many cases, the first ones being the same as in CI.
"""

from __future__ import annotations

import os

SCALE = float(os.environ.get("HONGFAN_TEST_SCALE", "1") or "1")


def cases(in_ci: int) -> int:
    """``in_ci`` cases, times HONGFAN_TEST_SCALE (at least one)."""
    return max(1, round(in_ci * SCALE))


__all__ = ["SCALE", "cases"]
