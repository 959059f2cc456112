"""graphql-core cancels a failed field's siblings: the others sharing its reads must still answer."""

from __future__ import annotations

import asyncio

from graph.context import SharedLoader


async def test_given_two_fields_waiting_for_one_record_when_one_is_cancelled_then_the_other_still_gets_it():
    release = asyncio.Event()
    batches: list[list[int]] = []

    async def batch(keys: list[int]) -> list[str]:
        batches.append(keys)
        await release.wait()
        return [f"record {key}" for key in keys]

    loader = SharedLoader(load_fn=batch)
    cancelled = asyncio.ensure_future(loader.load(7))
    survivor = asyncio.ensure_future(loader.load(7))
    await asyncio.sleep(0)  # the batch is dispatched and waits
    cancelled.cancel()
    await asyncio.sleep(0)
    release.set()

    assert await survivor == "record 7"
    assert cancelled.cancelled()
    assert batches == [[7]]  # one read for both, not run again
    assert await loader.load(7) == "record 7"  # and kept for later fields of the request
