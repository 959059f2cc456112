"""GraphiQL served from the package itself (issue #14.5): no CDN, so it loads offline and
behind networks that block unpkg.com.

The assets in ``graph/static`` are GraphiQL 3.8.3 and React 18.2.0 from the npm registry
(``npm pack graphiql@3.8.3 react@18.2.0 react-dom@18.2.0``; GraphiQL's webpack bundle
minified with esbuild), stored gzip-compressed with their licences. They are served at
``/graphiql/<file>`` as gzip to every browser that accepts it (all do), decompressed for
one that does not. The page's own script (``hongfan-graphiql.js``) sends the session's
``X-CSRF-Token`` for a signed-in user and lets anyone paste an API token. Like GraphiQL
itself it is off in production unless ``HONGFAN_GRAPHIQL=1``.
"""

from __future__ import annotations

import gzip
import html
from functools import cache
from importlib import resources

from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response

from models.messages import message

ASSET_PREFIX = "/graphiql/"
SCRIPTS = (
    "react-18.2.0.production.min.js",
    "react-dom-18.2.0.production.min.js",
    "graphiql-3.8.3.min.js",
    "hongfan-graphiql.js",
)
STYLES = ("graphiql-3.8.3.min.css", "hongfan-graphiql.css")
_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
# The page's own policy: its files only; GraphiQL's editor sets inline styles and its
# stylesheet embeds its fonts as data: URLs.
PAGE_CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "font-src 'self' data:",
        "img-src 'self' data:",
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)
EXAMPLE = """# 欢迎使用红帆 GraphiQL / Hongfan's GraphiQL
# Ctrl-Enter 运行查询 / runs the query
{
  serviceSites(first: 5, orderBy: [{ name: ASC }]) {
    totalCount
    edges { node { name kind organisation { name } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


@cache
def _asset(name: str) -> tuple[bytes, bool] | None:
    """The file's bytes and whether they are gzip-compressed; None when there is none."""
    folder = resources.files("graph") / "static"
    for candidate, compressed in ((name + ".gz", True), (name, False)):
        path = folder / candidate
        if path.is_file():
            return path.read_bytes(), compressed
    return None


async def asset(request: Request) -> Response:
    name = request.path_params["name"]
    suffix = name[name.rfind(".") :] if "." in name else ""
    if name not in SCRIPTS + STYLES or suffix not in _TYPES:
        return PlainTextResponse("Not Found", status_code=404)
    found = _asset(name)
    if found is None:
        return PlainTextResponse("Not Found", status_code=404)
    content, compressed = found
    headers = {"Cache-Control": "public, max-age=86400", "Vary": "Accept-Encoding"}
    if compressed:
        if "gzip" in request.headers.get("accept-encoding", "").lower():
            headers["Content-Encoding"] = "gzip"
        else:
            content = gzip.decompress(content)
    return Response(content, media_type=_TYPES[suffix], headers=headers)


def page(lang: str, endpoint: str = "/graphql") -> HTMLResponse:
    """The GraphiQL page, its labels in ``lang``."""
    scripts = "\n".join(f'<script src="{ASSET_PREFIX}{name}"></script>' for name in SCRIPTS)
    styles = "\n".join(f'<link rel="stylesheet" href="{ASSET_PREFIX}{name}">' for name in STYLES)
    attr = html.escape
    text = f"""<!doctype html>
<html lang="{"zh-CN" if lang == "zh" else "en"}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{attr(message("graphiql.title", lang))}</title>
{styles}
</head>
<body data-endpoint="{attr(endpoint)}" data-signed-in="{attr(message("graphiql.signed_in", lang))}" data-example="{attr(EXAMPLE)}">
<div class="hf-bar">
<label for="hf-token">{attr(message("graphiql.token", lang))}
<input id="hf-token" type="password" autocomplete="off" spellcheck="false" placeholder="hf_…"></label>
<span id="hf-who" role="status">{attr(message("graphiql.anonymous", lang))}</span>
</div>
<div id="graphiql">{attr(message("graphiql.loading", lang))}</div>
{scripts}
</body>
</html>
"""
    return HTMLResponse(
        text, headers={"Content-Security-Policy": PAGE_CSP, "Cache-Control": "no-store"}
    )


__all__ = ["ASSET_PREFIX", "asset", "page"]
