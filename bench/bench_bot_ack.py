"""Acknowledgement time of the real DailiesBot over a burst of 500 mixed commands, in the sandbox.

The server holds a realistic bible (a series, 40 characters, 10 locations, 3 episodes of 30
shots). Several members type autocomplete (characters, locations, episodes, shots) and run the
read commands (/character show, /character list, /shot show, /shot list, /series show,
/location show, /location list, /episode show, /episode list, /queue, /budget show).

The sandbox measures each one: from dispatching INTERACTION_CREATE on the gateway to the bot's
callback reaching its REST route (``InteractionResult.ack_latency``). Discord drops an
interaction not acknowledged within 3 s. Target (issue 2): p99 under 50 ms on this machine.

Three runs (``--mode all``): "serial" (one interaction at a time: what each command costs with
no queue), "paced" (the burst spread evenly over ``--spread`` seconds, what a busy server looks
like) and "instant" (all dispatched at once: queueing, not handler cost, dominates there).
``--mode both`` is paced + instant. The CPU figure (this process: sandbox and bot share it) per
interaction sets the throughput: above 1000 / CPU-ms interactions per second the queue grows.

    .venv/bin/python bench/bench_bot_ack.py                # SQLite, 500, paced over 5 s + instant
    .venv/bin/python bench/bench_bot_ack.py --db postgres  # throwaway DB, DAILIES_TEST_POSTGRES_URL
    .venv/bin/python bench/bench_bot_ack.py --count 200 --mode paced --spread 2
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench._world import World, machine_line, open_world, seed_bible, throwaway_database
from bot.sandbox import InteractionResult
from bot.sandbox.state import INTERACTION_ACK_DEADLINE

TARGET_MS = 50.0
# (kind, command path, focused option or None, options builder given a counter)
Op = tuple[str, str, str | None, Callable[[World, int], dict[str, Any]]]


def _char(w: World, n: int) -> str:
    return w.characters[n % len(w.characters)]


def _shot(w: World, n: int) -> str:
    return w.shot_codes[n % len(w.shot_codes)]


OPS: list[Op] = [
    ("ac character", "character show", "character", lambda w, n: {"character": _char(w, n)[:2]}),
    ("ac location", "location show", "location", lambda w, n: {"location": "r"}),
    ("ac episode", "episode show", "episode", lambda w, n: {"episode": str(n % 3 + 1)}),
    ("ac shot", "shot show", "shot", lambda w, n: {"shot": _shot(w, n)[:3]}),
    ("/character show", "character show", None, lambda w, n: {"character": _char(w, n)}),
    ("/character list", "character list", None, lambda w, n: {}),
    ("/shot show", "shot show", None, lambda w, n: {"shot": _shot(w, n)}),
    ("/shot list", "shot list", None, lambda w, n: {"episode": str(n % 3 + 1)}),
    ("/series show", "series show", None, lambda w, n: {}),
    ("/location show", "location show", None, lambda w, n: {"location": "Harbour"}),
    ("/location list", "location list", None, lambda w, n: {}),
    ("/episode show", "episode show", None, lambda w, n: {"episode": str(n % 3 + 1)}),
    ("/episode list", "episode list", None, lambda w, n: {}),
    ("/queue", "queue", None, lambda w, n: {}),
    ("/budget show", "budget show", None, lambda w, n: {}),
]
# Autocomplete is what members do most (a request per keystroke): half the burst.
WEIGHTS = [3, 3, 2, 4] + [1] * (len(OPS) - 4)


def schedule(count: int) -> list[Op]:
    """A deterministic interleaving of the ops in proportion to WEIGHTS."""
    cycle = [op for op, weight in zip(OPS, WEIGHTS, strict=True) for _ in range(weight)]
    # Spread each kind through the cycle instead of running them in blocks.
    cycle = cycle[::2] + cycle[1::2]
    return [cycle[n % len(cycle)] for n in range(count)]


async def dispatch(world: World, op: Op, n: int) -> InteractionResult:
    _kind, path, focused, build = op
    member = world.members[n % len(world.members)]
    options = build(world, n)
    sandbox = world.sandbox
    if focused is None:
        return await sandbox.slash(member, path, options, channel=world.dailies)
    # sandbox.autocomplete() waits for the answer; a burst must not, so dispatch the type-4
    # interaction the same way it does and collect it with the others.
    data = await sandbox._command_data(member, path, options, focused)
    return sandbox._dispatch(member, 4, data, world.dailies)


async def burst(
    world: World, count: int, spread: float, *, serial: bool = False
) -> tuple[dict[str, list[float]], dict[str, int], dict[str, int], float, float]:
    """Returns (ack latencies in s per kind, late per kind, error answers per kind, wall s,
    CPU s of this process: sandbox and bot together)."""
    plan = schedule(count)
    started = time.perf_counter()
    cpu_started = time.process_time()
    results: list[tuple[str, InteractionResult]] = []
    for n, op in enumerate(plan):
        if spread:
            # Pace against the clock so slow dispatching does not stretch the burst.
            delay = started + n * spread / count - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
        res = await dispatch(world, op, n)
        results.append((op[0], res))
        if serial:
            with contextlib.suppress(AssertionError):
                await res.acknowledged()
    latencies: dict[str, list[float]] = defaultdict(list)
    late: dict[str, int] = defaultdict(int)
    errors: dict[str, int] = defaultdict(int)
    for kind, res in results:
        try:
            await res.acknowledged()
        except AssertionError:
            late[kind] += 1
            continue
        if res.ack_latency is not None and res.ack_latency <= INTERACTION_ACK_DEADLINE:
            latencies[kind].append(res.ack_latency)
        else:
            late[kind] += 1
        if res.errors:
            errors[kind] += 1
    wall = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    # Let the bot drain what it still holds (late interactions still run their handlers) so the
    # next run starts on an idle bot.
    await asyncio.sleep(3.5 if late else 0.5)
    return latencies, late, errors, wall, cpu


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


def row(label: str, secs: Sequence[float], late: int, errors: int) -> str:
    ms = [x * 1000 for x in secs]
    return (
        f"  {label:<16} n={len(ms) + late:>4} p50 {percentile(ms, 50):7.1f}  "
        f"p90 {percentile(ms, 90):7.1f}  p99 {percentile(ms, 99):7.1f}  "
        f"max {max(ms, default=float('nan')):7.1f} ms  late {late}  errors {errors}"
    )


def report(title: str, result: tuple[Any, ...]) -> None:
    latencies, late, errors, wall, cpu = result
    every = [x for values in latencies.values() for x in values]
    n = len(every) + sum(late.values())
    print(
        f"{title}: {n} interactions in {wall:.2f} s ({n / wall:.0f}/s), "
        f"CPU {cpu * 1000 / n:.1f} ms each (sandbox + bot) | {machine_line()}"
    )
    for op in OPS:
        kind = op[0]
        print(row(kind, latencies.get(kind, []), late.get(kind, 0), errors.get(kind, 0)))
    print(row("ALL", every, sum(late.values()), sum(errors.values())))
    p99 = percentile([x * 1000 for x in every], 99)
    print(f"  p99 / 50 ms target = {p99 / TARGET_MS:.2f}x   late (>3 s) = {sum(late.values())}")


def _text(parts: Any) -> str:
    """Every string in a message's JSON (content, embeds, Components V2 text), flattened."""
    if isinstance(parts, str):
        return parts
    if isinstance(parts, dict):
        return " ".join(
            _text(v)
            for k, v in parts.items()
            if k
            in (
                "content",
                "title",
                "description",
                "name",
                "value",
                "text",
                "components",
                "fields",
                "footer",
            )
        )
    if isinstance(parts, list):
        return " ".join(_text(v) for v in parts)
    return ""


async def show_answers(world: World) -> None:
    """One answer per kind, so a reader can see the bench times real answers, not refusals."""
    for n, op in enumerate(OPS):
        res = await dispatch(world, op, n)
        await res.acknowledged()
        if op[2] is not None:
            said = ", ".join(str(c["name"]) for c in (res.choices or [])[:4])
        else:
            msg = await res.reply()
            said = _text([msg.content, msg.embeds, msg.components])
        print(f"  {op[0]:<16} -> {' '.join(said.split())[:110]}")


async def main(
    db_kind: str,
    count: int,
    spread: float,
    members: int,
    mode: str,
    show: bool,
    work_slots: int | None = None,
) -> None:
    async with throwaway_database(db_kind) as url:
        world = await open_world(url, members=members)
        if work_slots is not None:
            world.settings.discord.work_slots = work_slots
        try:
            await seed_bible(world)
            async with world.bot_running(migrate=False):
                # Warm-up: the first call of each kind pays imports, statement caches, pools.
                await burst(world, len(schedule(60)), 0)
                if show:
                    await show_answers(world)
                print(
                    f"# DailiesBot ack latency, {db_kind}, {len(world.characters)} characters, "
                    f"{len(world.locations)} locations, {len(world.shot_codes)} shots, "
                    f"{members} members, work slots {world.settings.discord.work_slots}"
                )
                if mode in ("serial", "all"):
                    report("serial (one at a time)", await burst(world, count, 0, serial=True))
                if mode in ("paced", "both", "all"):
                    report(f"paced over {spread:g} s", await burst(world, count, spread))
                if mode in ("instant", "both", "all"):
                    report("instant burst", await burst(world, count, 0))
            problems = world.sandbox.emulator_errors
            if problems:
                print(f"sandbox emulator errors: {problems[:3]}")
        finally:
            await world.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--spread", type=float, default=5.0, help="seconds for the paced run")
    parser.add_argument("--members", type=int, default=8)
    parser.add_argument(
        "--mode", choices=["serial", "paced", "instant", "both", "all"], default="all"
    )
    parser.add_argument("--show", action="store_true", help="print one answer of each kind")
    parser.add_argument("--work-slots", type=int, help="settings.discord.work_slots (default 4)")
    parser.add_argument("--verbose", action="store_true", help="show the bot's log (WARNING+)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING if args.verbose else logging.CRITICAL)
    asyncio.run(
        main(
            args.db,
            args.count,
            args.spread,
            args.members,
            args.mode,
            args.show,
            args.work_slots,
        )
    )
