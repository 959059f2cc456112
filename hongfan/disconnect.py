"""Work for a client that has gone away is cancelled (issue #9.2).

When the HTTP client disconnects before its answer is complete (a browser tab closed, a
script's timeout, a proxy giving up), nobody will read the answer: the request's work is
cancelled instead of running to its statement deadline and holding a pool connection,
a PostgreSQL backend and its locks all that time.

The server tells the application with an ``http.disconnect`` message on ``receive``
(uvicorn sends it when the connection is lost). Nothing in a GraphQL request reads
``receive`` once its body is in, so :class:`CancelOnDisconnect` listens for it beside
the request (one small task) and cancels the task that runs the request (marking the
scope :data:`GONE`, so that a statement shielded from other cancellations is stopped too) — the way Django's ASGI handler
(``listen_for_disconnect``, Django 5.0) and Starlette's streaming responses do it.
Cancelling a task waiting on asyncpg makes the driver send PostgreSQL a cancel request
for the running statement (``pg_cancel_backend`` from the outside); SQLAlchemy then
discards the connection (it may be mid-protocol) instead of returning it to the pool.

Once the answer has been sent whole, a disconnect cancels nothing: what runs after the
response (a background task, closing the context) runs to its end.
"""

from __future__ import annotations

import asyncio
import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("hongfan.disconnect")

DISCONNECT: Message = {"type": "http.disconnect"}
GONE = "hongfan.client_gone"  # set on the scope when the client went away


def client_gone(scope: Scope | None) -> bool:
    """Whether the client of this request has gone away (its work is being cancelled).

    Work shielded from cancellation on purpose (``graph.context`` shields a started
    statement from a cancelled sibling field) asks this to tell that case apart: a
    client that has gone away stops the statement too.
    """
    return bool(scope is not None and scope.get(GONE))


class CancelOnDisconnect:
    """ASGI middleware: a client that disconnects before its answer is complete gets its
    request's work cancelled (module docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_task = asyncio.current_task()
        answered = False
        listener: asyncio.Future[None] | None = None
        heard: Message | None = None  # what the listener received, for a later receive()

        async def listen() -> None:
            nonlocal heard
            message = await receive()
            heard = {**message, "body": b""}  # bytes past the body mean nothing: keep none
            if message["type"] == "http.disconnect" and not answered:
                log.info(
                    "client went away: %s %s cancelled", scope.get("method"), scope.get("path")
                )
                scope[GONE] = True
                if request_task is not None:
                    request_task.cancel()
            # Anything else (a server that answers receive() at once instead of waiting for
            # the client to go, as the ASGI spec says) cannot tell us more: stop asking.

        def listen_now() -> None:
            nonlocal listener
            if listener is None:
                listener = asyncio.ensure_future(listen())

        async def app_receive() -> Message:
            if listener is None:
                # The body is the application's to read (bounded by hongfan.bounded);
                # listening starts once it is in.
                message = await receive()
                if message["type"] != "http.request" or not message.get("more_body", False):
                    listen_now()
                return message
            await asyncio.shield(listener)
            return heard or DISCONNECT

        async def app_send(message: Message) -> None:
            nonlocal answered
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                answered = True
            await send(message)

        if scope.get("method") in {"GET", "HEAD"}:
            listen_now()  # no body to wait for
        try:
            await self.app(scope, app_receive, app_send)
            if scope.get(GONE) and request_task is not None and request_task.cancelling():
                # the app ended before the cancel the listener asked for reached it
                try:
                    await asyncio.sleep(0)
                except asyncio.CancelledError:
                    pass
                request_task.uncancel()
        except asyncio.CancelledError:
            # Cancelled for the client that went away: nobody to answer. Anything else
            # (the server stopping this request) goes on up.
            if scope.get(GONE) and request_task is not None and request_task.uncancel() == 0:
                return
            raise
        finally:
            if listener is not None:
                listener.cancel()


__all__ = ["GONE", "CancelOnDisconnect", "client_gone"]
