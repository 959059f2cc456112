"""``hongfan serve``: the API and the admin UI under uvicorn."""

from __future__ import annotations

import argparse
import gc
from typing import Any

from hongfan.settings import Settings


def register(commands: Any) -> None:
    commands.add_parser("serve", help="serve the API (and admin UI)").set_defaults(handler=serve)


def serve(settings: Settings, _args: argparse.Namespace) -> int:
    import uvicorn

    from hongfan.app import create_app

    base = f"http://{settings.host}:{settings.port}"
    print(f"Hongfan 红帆 is serving on {base}")
    print(f"  Admin UI 管理后台:     {base}/admin/")
    print(f"  GraphQL / GraphiQL:  {base}/graphql")
    print(f"  Health:              {base}/healthz  {base}/readyz")
    print("  Sign in: the demo accounts printed by `hongfan demo` (password hongfan-demo-2024),")
    print("  or make one: hongfan create-admin you@example.org")
    app = create_app(settings)
    # The schema, models and app are built and live for the process: move them out of the
    # collector's sight, and collect young objects less often — per-request garbage is
    # short-lived, and full collections over the whole heap were a large share of request time.
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="info")
    return 0
