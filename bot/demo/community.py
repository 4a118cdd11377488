"""The scripted community of the demo: a showrunner and a few members, acting through Discord."""

from __future__ import annotations

import asyncio
import contextlib
import importlib.resources
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import discord
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from bot.client import DailiesBot
from bot.config import Settings
from bot.demo.acting import acting_clip
from bot.demo.art import place, portrait
from bot.demo.transcript import Transcript
from bot.sandbox import Channel, Guild, InteractionResult, Member, Sandbox, running
from pipeline.enqueue import list_jobs
from storage.models import TERMINAL_JOB_STATUSES, JobStatus
from storage.script_lookup import episode_outline, resolve_episode

CHARACTERS: list[dict[str, Any]] = [
    {
        "who": "cam",
        "name": "Mara",
        "appearance": "mid-thirties detective, sharp cheekbones, short black hair, grey eyes",
        "wardrobe": "long charcoal trench coat, black turtleneck",
        "age": "35",
        "personality": "dry, patient, never raises her voice",
        "never_change": "thin scar through the left eyebrow",
        "voice": "en-f1",
        "colour": (70, 90, 150),
    },
    {
        "who": "flore",
        "name": "Inès",
        "appearance": "journaliste, vingt-huit ans, boucles châtain, taches de rousseur",
        "wardrobe": "ciré jaune, carnet à spirale toujours à la main",
        "age": "28",
        "personality": "têtue, rapide, parle français quand elle est émue",
        "never_change": "ciré jaune",
        "voice": "fr-f2",
        "colour": (200, 160, 40),
    },
    {
        "who": "milo",
        "name": "Dr. Voss",
        "appearance": "tall man in his sixties, silver hair combed back, rimless glasses",
        "wardrobe": "immaculate navy three-piece suit",
        "age": "62",
        "personality": "courteous, too calm",
        "never_change": "rimless glasses",
        "voice": "en-m3",
        "colour": (120, 40, 50),
    },
]

LOCATIONS = [
    (
        "Harbour Warehouse",
        "Rain-soaked loading dock, corrugated steel, one sodium lamp.",
        (60, 80, 90),
    ),
    (
        "Newsroom",
        "Empty open-plan office at night, one desk lamp, a wall of photographs.",
        (90, 80, 60),
    ),
]


@dataclass
class Community:
    """Who is in the server and where they talk."""

    sandbox: Sandbox
    guild: Guild
    general: Channel
    dailies: Channel
    premieres: Channel
    members: dict[str, Member]
    roles: dict[str, Any]

    @classmethod
    def cast(cls, sandbox: Sandbox) -> Community:
        guild = sandbox.create_guild("Nightshift Studio", locale="en-US")
        showrunner = guild.add_role("Showrunner")
        crew = guild.add_role("Crew")
        viewers = guild.add_role("Viewers")
        members = {
            "sasha": guild.add_member(
                "sasha", roles=[showrunner], permissions=discord.Permissions(manage_guild=True)
            ),
            "cam": guild.add_member("cam", roles=[crew]),
            "flore": guild.add_member("flore", roles=[crew], locale="fr"),
            "milo": guild.add_member("milo", roles=[crew]),
            "june": guild.add_member("june", roles=[viewers]),
        }
        return cls(
            sandbox=sandbox,
            guild=guild,
            general=guild.channel("general"),
            dailies=guild.add_channel("dailies"),
            premieres=guild.add_channel("premieres"),
            members=members,
            roles={"showrunner": showrunner, "crew": crew, "viewers": viewers},
        )

    async def act(
        self,
        transcript: Transcript,
        who: str,
        command: str,
        options: dict[str, Any] | None = None,
        *,
        channel: Channel | None = None,
    ) -> InteractionResult:
        """A member runs a slash command; private replies go to the transcript too."""
        shown = " ".join(f"{k}:{_short(v)}" for k, v in (options or {}).items())
        transcript.note(f"{who} › /{command} {shown}".rstrip(), style="bold yellow")
        result = await self.sandbox.slash(
            self.members[who], command, options or {}, channel=channel or self.general
        )
        await result.acknowledged()
        if result.ack_type == 9:  # a modal opened: the member fills it in the caller
            return result
        message = await result.reply(timeout=60)
        await asyncio.sleep(0.05)  # let the gateway deliver what the command posted
        transcript.poll_once()
        if message.ephemeral:
            transcript.private(who, result, message)
        return result

    async def play(self, settings: Settings, transcript: Transcript, out: Path) -> None:
        bot = DailiesBot(settings)
        async with running(self.sandbox, bot, timeout=30):
            transcript.note("The showrunner adds Dailies and sets up the server")
            await self.act(
                transcript,
                "sasha",
                "setup",
                {
                    "dailies": self.dailies,
                    "premieres": self.premieres,
                    "showrunner": self.roles["showrunner"],
                    "crew": self.roles["crew"],
                    "language": "en",
                },
            )
            await self.act(transcript, "milo", "help")  # a new member: what now?
            await self.write_bible(transcript)
            episode = await self.import_episode(transcript)
            await self.act(
                transcript, "sasha", "board episode", {"episode": episode}, channel=self.general
            )
            await self.act(transcript, "cam", "shot list", {"episode": episode})
            await self.act(transcript, "flore", "shot show", {"shot": f"{episode}.1.1"})
            await self.generate(transcript, bot, episode)
            await self.review(transcript, bot)
            await self.perform(transcript, bot, episode, out)
            await self.cut(transcript, bot, episode, out)
            await self.next_episode_premieres(transcript, bot, out)
            await _close_quietly(bot)

    async def next_episode_premieres(
        self, transcript: Transcript, bot: DailiesBot, out: Path
    ) -> None:
        """Episode 2, made whole (every shot voted and locked), premieres with its recap."""
        if not any(cmd.name == "premiere" for cmd in bot.tree.get_commands()):
            transcript.note("(premieres are not wired into this build yet)", style="dim")
            return
        transcript.note("Episode 2 is written, shot, voted and locked, ready to premiere")
        script = importlib.resources.files("bot.demo").joinpath("episode2.fountain").read_bytes()
        await self.act(
            transcript, "flore", "episode import",
            {"screenplay": self.sandbox.attachment("episode2.fountain", script, "text/plain")},
        )  # fmt: skip
        async with bot.db.session() as session:
            outline = await episode_outline(
                session,
                int(self.guild.id),
                (await resolve_episode(session, int(self.guild.id), "2")).id or 0,
            )
        for row in outline.shots:
            await self.act(
                transcript, "sasha", "shot queue", {"shot": row.code, "takes": 2},
                channel=self.dailies,
            )  # fmt: skip
        await wait_for_takes(bot, int(self.guild.id), transcript)
        await self.review(transcript, bot)
        post = await self.premiere(transcript, "2")
        if post is None:
            return
        files = [a for m in self.premieres.messages for a in m.attachments]
        saved = await asyncio.to_thread(_save_files, files, out)
        transcript.note(
            "Premiered; saved in " + str(out) + ": " + ", ".join(saved), style="bold green"
        )

    async def write_bible(self, transcript: Transcript) -> None:
        transcript.note("The writers' room: the series and its style bible")
        await self.act(
            transcript,
            "sasha",
            "series create",
            {
                "name": "Nuit Blanche",
                "logline": "A detective and a journalist chase a red ribbon "
                "through a harbour city.",
            },
        )
        await self.act(
            transcript,
            "sasha",
            "series style",
            {
                "look": "rain-soaked neo-noir, wet reflections, practical light only",
                "palette": "teal shadows, sodium orange, a single red accent",
                "lenses": "anamorphic 40 mm, shallow focus",
                "era": "present day, off-season port town",
                "references": "Zodiac, Le Samouraï, Blade Runner 2049",
            },
        )
        transcript.note("Members create the cast, each with a reference picture")
        for seed, spec in enumerate(CHARACTERS):
            picture = portrait(spec["name"], spec["colour"], seed=seed)
            await self.act(
                transcript,
                spec["who"],
                "character create",
                {
                    "name": spec["name"],
                    "appearance": spec["appearance"],
                    "wardrobe": spec["wardrobe"],
                    "age": spec["age"],
                    "personality": spec["personality"],
                    "never_change": spec["never_change"],
                    "voice": spec["voice"],
                    "image1": self.sandbox.attachment(f"{_slug(spec['name'])}.png", picture),
                },
            )
        transcript.note("Two locations")
        for seed, (name, description, colour) in enumerate(LOCATIONS):
            plate = place(name, colour, seed=seed)
            await self.act(
                transcript,
                "milo",
                "location create",
                {
                    "name": name,
                    "description": description,
                    "image1": self.sandbox.attachment(f"{_slug(name)}.png", plate),
                },
            )

    async def import_episode(self, transcript: Transcript) -> str:
        transcript.note("The pilot is imported from a Fountain screenplay")
        script = importlib.resources.files("bot.demo").joinpath("pilot.fountain").read_bytes()
        await self.act(
            transcript,
            "cam",
            "episode import",
            {
                "screenplay": self.sandbox.attachment(
                    "pilot.fountain", script, content_type="text/plain"
                )
            },
        )
        return "1"

    async def generate(self, transcript: Transcript, bot: DailiesBot, episode: str) -> None:
        """Takes from the local providers: two per shot of the first scene, cards updating."""
        if not any(
            cmd.name == "shot" and _has_sub(cmd, "queue") for cmd in bot.tree.get_commands()
        ):
            transcript.note("(generation is not wired into this build yet)", style="dim")
            return
        transcript.note("Generating takes with the local providers (no key, no network)")
        for shot in GENERATED_SHOTS:
            await self.act(
                transcript, "sasha", "shot queue", {"shot": f"{episode}.{shot}", "takes": 2},
                channel=self.dailies,
            )  # fmt: skip
        await wait_for_takes(bot, int(self.guild.id), transcript)
        await asyncio.sleep(0.3)  # the relay's last card edits
        transcript.poll_once()

    async def premiere(
        self,
        transcript: Transcript,
        episode: str,
        *,
        seconds_ahead: float = 20.0,
        timeout: float = 600.0,  # noqa: ASYNC109  (the renders of a real episode take a while)
    ) -> Any:
        """The showrunner schedules the episode's premiere a few seconds ahead (UTC), june asks
        to be notified, and the premiere happens: the recap and the episode are posted in
        #premieres (renders made at scheduling time, since T - 30 min has already passed).
        Returns the episode's post (a sandbox ``Message``: its attachments are the Discord
        copies, ``.thread`` the discussion), or None if it did
        not come within ``timeout`` (a shot without a locked take postpones it: see
        docs/premieres.md)."""
        from datetime import UTC, datetime, timedelta

        when = (datetime.now(UTC) + timedelta(seconds=seconds_ahead)).replace(microsecond=0)
        transcript.note("The premiere: scheduled, announced, then posted in #premieres")
        await self.act(
            transcript, "sasha", "premiere schedule",
            {"episode": episode, "when": when.strftime("%Y-%m-%d %H:%M:%S"), "timezone": "UTC"},
            channel=self.dailies,
        )  # fmt: skip
        announcement = await self.sandbox.wait_for_message(
            channel=self.premieres, predicate=lambda m: bool(m.components), timeout=30
        )
        notify = next(c for c in announcement.custom_ids() if c.endswith(":notify"))
        await (await self.sandbox.click(self.members["june"], announcement, notify)).reply()
        try:
            post = await self.sandbox.wait_for_message(
                channel=self.premieres, predicate=lambda m: "· episode" in (m.content or ""),
                timeout=seconds_ahead + timeout,
            )  # fmt: skip
        except (TimeoutError, AssertionError):
            transcript.note("The premiere did not happen in time", style="bold red")
            return None
        await asyncio.sleep(0.5)  # the thread and its first message
        transcript.poll_once()
        return post

    async def review(self, transcript: Transcript, bot: DailiesBot) -> None:
        """Dailies: members watch the takes side by side and vote; the showrunner breaks a tie."""
        try:
            from commands.dailies.demo import community_votes
        except ImportError:
            transcript.note("(dailies are not wired into this build yet)", style="dim")
            return
        transcript.note("Dailies: the community reviews the takes and votes")
        m = self.members
        outcomes = await community_votes(
            self.sandbox, bot, self.guild,
            voters=[m["cam"], m["flore"], m["milo"], m["june"]],
            showrunner=m["sasha"], crew=m["cam"],
        )  # fmt: skip
        transcript.poll_once()
        for outcome in outcomes:
            transcript.note(
                f"Shot {outcome.code}: take {outcome.winner} locked ({outcome.how}, "
                f"{outcome.voters} votes)",
                style="bold green",
            )
        transcript.note("Finishing the winners: voices and lip-sync where a shot has dialogue")
        await wait_for_takes(bot, int(self.guild.id), transcript, what="jobs")
        await asyncio.sleep(0.3)
        transcript.poll_once()

    async def perform(
        self, transcript: Transcript, bot: DailiesBot, episode: str, out: Path
    ) -> None:
        """milo acts Mara's line at his webcam; his clip drives the locked take of the shot
        (the free local stand-in when no Runway key is set), and the cut shows his performance."""
        if not any(
            cmd.name == "shot" and _has_sub(cmd, "perform") for cmd in bot.tree.get_commands()
        ):
            transcript.note("(performance transfer is not wired into this build yet)", style="dim")
            return
        transcript.note("A member acts a shot himself: his clip drives the locked take")
        clip = await acting_clip(
            out / "data" / "acting", name="milo", line=PERFORMED_LINE, seconds=3.0
        )
        await self.act(
            transcript, "milo", "shot perform",
            {"shot": f"{episode}.{PERFORMED_SHOT}",
             "video": self.sandbox.attachment("milo-acting.mp4", clip, "video/mp4")},
            channel=self.dailies,
        )  # fmt: skip
        await wait_for_takes(bot, int(self.guild.id), transcript, what="jobs")
        await asyncio.sleep(0.3)  # the relay's last card edit
        transcript.poll_once()

    async def cut(self, transcript: Transcript, bot: DailiesBot, episode: str, out: Path) -> None:
        """An early preview of the episode (slates where shots wait for takes) and its timeline."""
        if not any(
            cmd.name == "episode" and _has_sub(cmd, "cut") for cmd in bot.tree.get_commands()
        ):
            transcript.note("(the cut is not wired into this build yet)", style="dim")
            return
        transcript.note("The cut: an early preview of the pilot, then its timeline for an editor")
        before = len(self.general.messages)
        await self.act(transcript, "sasha", "episode cut", {"episode": episode})
        posted = await wait_for_files(self.general, before, ".mp4", transcript, what="render")
        await self.act(transcript, "cam", "episode export", {"episode": episode})
        exported = await wait_for_files(self.general, before, ".otio", transcript, what="export")
        saved = await asyncio.to_thread(_save_files, [*posted, *exported], out)
        transcript.note("Saved in " + str(out) + ": " + ", ".join(saved), style="bold green")


async def wait_for_files(
    channel: Channel, since: int, suffix: str, transcript: Transcript, *, what: str
) -> list[Any]:
    """The attachments of the first message after ``since`` carrying a ``suffix`` file."""
    with Progress(
        TextColumn(f"  {what}"), BarColumn(), TimeElapsedColumn(),
        console=transcript.console, transient=True,
    ) as progress:  # fmt: skip
        progress.add_task(what, total=None)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            for message in channel.messages[since:]:
                if any(a.filename.endswith(suffix) for a in message.attachments):
                    transcript.poll_once()
                    return list(message.attachments)
            await asyncio.sleep(0.2)
    raise TimeoutError(f"no {suffix} file was posted in #{channel.name}")


def _save_files(attachments: list[Any], out: Path) -> list[str]:
    names = []
    for attachment in attachments:
        (out / attachment.filename).write_bytes(attachment.data)
        names.append(attachment.filename)
    return names


GENERATED_SHOTS = ("1.1", "1.3", "1.5")  # 1.1.3 has a line: the winner gets voiced
PERFORMED_SHOT = "1.3"  # Mara's line, acted by milo (/shot perform)
PERFORMED_LINE = "Somebody was here before us."


async def wait_for_takes(
    bot: DailiesBot, guild_id: int, transcript: Transcript, *, what: str = "takes"
) -> None:
    """A progress bar in the terminal while the worker inside the bot does the jobs."""
    with Progress(
        TextColumn(f"  {what}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=transcript.console, transient=True,
    ) as progress:  # fmt: skip
        task = progress.add_task("takes", total=None)
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            jobs = await list_jobs(bot.db, guild_id, limit=200)
            done = sum(1 for job in jobs if job.status in TERMINAL_JOB_STATUSES)
            progress.update(task, total=len(jobs), completed=done)
            if jobs and done == len(jobs):
                break
            await asyncio.sleep(0.2)
    failed = [job for job in jobs if job.status != JobStatus.SUCCEEDED]
    transcript.note(
        f"{len(jobs) - len(failed)} of {len(jobs)} {what} ready"
        + (
            f"; {len(failed)} did not make it: " + ", ".join(j.last_error for j in failed)
            if failed
            else ""
        ),
        style="bold green" if not failed else "bold red",
    )


def _has_sub(command: Any, name: str) -> bool:
    return any(getattr(sub, "name", "") == name for sub in getattr(command, "commands", []))


async def _close_quietly(bot: DailiesBot) -> None:
    with contextlib.suppress(Exception):
        await bot.close()


def _slug(name: str) -> str:
    return "".join(c.lower() if c.isalnum() else "-" for c in name).strip("-")


def _short(value: Any) -> str:
    if isinstance(value, str):
        return repr(value if len(value) <= 40 else value[:37] + "...")
    name = getattr(value, "name", None) or getattr(value, "filename", None)
    return f"<{name}>" if name else repr(value)
