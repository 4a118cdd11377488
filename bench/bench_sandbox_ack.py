"""Acknowledgement latency over a burst of slash commands, through the sandbox and the real client.

Latency is measured by the sandbox: from the moment it dispatches INTERACTION_CREATE on the
gateway to the moment the bot's callback reaches its REST route. Discord's limit is 3 s.

    .venv/bin/python bench/bench_sandbox_ack.py --count 500 --kind reply
    .venv/bin/python bench/bench_sandbox_ack.py --count 500 --kind defer --spread 0

Reuse with another bot: build it, then ``await burst(sandbox, members, "cmd", {...}, count=N)``
inside ``running(sandbox, bot)`` and ``print(report(...))``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import time
from collections.abc import Sequence
from typing import Any

import discord
from discord.ext import commands

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bot.sandbox import Channel, Member, Sandbox, running
from bot.sandbox.state import INTERACTION_ACK_DEADLINE


async def burst(
    sandbox: Sandbox,
    members: Sequence[Member],
    path: str,
    options: dict[str, Any] | None = None,
    *,
    count: int,
    channel: Channel | None = None,
    spread: float = 0.0,
) -> tuple[list[float], int, float]:
    """Dispatch ``count`` runs of ``/path`` (spread evenly over ``spread`` s, 0 = all at once).

    Returns (ack latencies in seconds of the acknowledged ones, how many were not acknowledged
    within 3 s, wall time of the burst).
    """
    started = time.perf_counter()
    results = []
    for n in range(count):
        member = members[n % len(members)]
        results.append(await sandbox.slash(member, path, options, channel=channel))
        if spread:
            await asyncio.sleep(spread / count)
    late = 0
    for res in results:
        try:
            await res.acknowledged()
        except AssertionError:
            late += 1
    wall = time.perf_counter() - started
    latencies = [r.ack_latency for r in results if r.ack_latency is not None]
    return [x for x in latencies if x <= INTERACTION_ACK_DEADLINE], late, wall


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def report(label: str, latencies: Sequence[float], late: int, wall: float) -> str:
    ms = [x * 1000 for x in latencies]
    n = len(ms) + late
    return (
        f"{label}: n={n} acked={len(ms)} late(>3s)={late} wall={wall:.2f}s "
        f"rate={n / wall:.0f}/s | ack ms p50={percentile(ms, 50):.1f} "
        f"p90={percentile(ms, 90):.1f} p99={percentile(ms, 99):.1f} max={max(ms, default=0):.1f} "
        f"mean={statistics.fmean(ms) if ms else float('nan'):.1f}"
    )


def trivial_bot(guild_id: int) -> commands.Bot:
    bot = commands.Bot(
        command_prefix="!",
        intents=discord.Intents.default(),
        guild_ready_timeout=0.1,
        help_command=None,
    )
    guild = discord.Object(guild_id)

    @bot.tree.command(name="reply", description="Answers at once", guild=guild)
    async def reply(interaction: discord.Interaction[Any]) -> None:
        await interaction.response.send_message(
            "ok", allowed_mentions=discord.AllowedMentions.none()
        )

    @bot.tree.command(name="defer", description="Defers, then follows up", guild=guild)
    async def defer(interaction: discord.Interaction[Any]) -> None:
        await interaction.response.defer(ephemeral=True)
        await interaction.followup.send("done", ephemeral=True)

    async def setup_hook() -> None:
        await bot.tree.sync(guild=guild)

    bot.setup_hook = setup_hook  # type: ignore[method-assign]
    return bot


async def main(count: int, kind: str, spread: float, members: int) -> None:
    async with Sandbox() as sandbox:
        guild = sandbox.create_guild("Bench")
        crew = [guild.add_member(f"member{n}") for n in range(members)]
        chan = guild.add_channel("dailies")
        async with running(sandbox, trivial_bot(guild.id)):
            await burst(sandbox, crew, kind, count=20, channel=chan)  # warm-up
            latencies, late, wall = await burst(
                sandbox, crew, kind, count=count, channel=chan, spread=spread
            )
    print(
        f"# sandbox ack latency, discord.py {discord.__version__}, Python "
        f"{platform.python_version()}, {os.cpu_count()} CPUs, spread={spread}s"
    )
    print(report(f"/{kind}", latencies, late, wall))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--kind", choices=["reply", "defer"], default="reply")
    parser.add_argument("--spread", type=float, default=0.0, help="seconds to spread the burst")
    parser.add_argument("--members", type=int, default=10)
    args = parser.parse_args()
    asyncio.run(main(args.count, args.kind, args.spread, args.members))
