"""What each channel shows, as it happens: printed to the terminal and kept for transcript.md."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console

from bot.sandbox import Channel, Guild, InteractionResult, Message

COMPONENTS_V2 = 1 << 15


def _texts(node: Any) -> Iterable[str]:
    """Text a member reads inside Components V2 (text displays, buttons' labels)."""
    if isinstance(node, dict):
        if node.get("type") == 10 and node.get("content"):
            yield str(node["content"])
        elif node.get("type") == 2 and node.get("label"):
            yield f"[{node['label']}]"
        for value in node.values():
            yield from _texts(value)
    elif isinstance(node, list):
        for value in node:
            yield from _texts(value)


MENTION = re.compile(r"<@!?(\d+)>")


def render(message: Message) -> str:
    """A message as plain text: content, embeds, components, files; mentions shown as @name."""
    users = message.channel.guild.members if message.channel.guild else {}
    return MENTION.sub(lambda m: _name(users, int(m.group(1))), _render(message))


def _name(members: Any, user_id: int) -> str:
    member = members.get(user_id) if isinstance(members, dict) else None
    return f"@{member.user.username}" if member is not None else f"<@{user_id}>"


def _render(message: Message) -> str:
    parts: list[str] = []
    if message.content:
        parts.append(message.content)
    for embed in message.embeds:
        if embed.get("title"):
            parts.append(f"**{embed['title']}**")
        if embed.get("description"):
            parts.append(str(embed["description"]))
        for fld in embed.get("fields") or []:
            parts.append(f"{fld.get('name')}: {fld.get('value')}")
    texts = list(_texts(message.components))
    if texts:
        parts.append("\n".join(texts))
    for attachment in message.attachments:
        parts.append(f"📎 {attachment.filename} ({attachment.size / 1024:.0f} KiB)")
    if message.poll is not None:
        parts.append("📊 " + message.poll.question)
    return "\n".join(parts).strip()


def _fingerprint(message: Message) -> str:
    body = json.dumps(
        [
            message.content,
            message.embeds,
            message.components,
            [a.filename for a in message.attachments],
        ],
        sort_keys=True,
        default=str,
    )
    return hashlib.sha1(body.encode()).hexdigest()


@dataclass
class Transcript:
    """Watches every channel of a guild and prints what a member would see there."""

    guild: Guild
    console: Console
    lines: list[str] = field(default_factory=list)
    _seen: dict[int, str] = field(default_factory=dict)
    _task: asyncio.Task[None] | None = None

    def note(self, text: str, *, style: str = "bold cyan") -> None:
        self.console.print(text, style=style)
        self.lines.append(f"\n### {text}\n")

    def private(self, who: str, result: InteractionResult, message: Message | None) -> None:
        """An ephemeral reply: only the member who asked sees it."""
        if message is None:
            return
        text = render(message)
        self.console.print(f"  [dim](only {who} sees)[/dim] {text}")
        self.lines.append(f"> *(only {who} sees)* " + text.replace("\n", "\n> "))

    def _channels(self) -> list[Channel]:
        channels = list(self.guild.channels.values())
        return sorted(channels, key=lambda c: c.id)

    def poll_once(self) -> None:
        for channel in self._channels():
            for message in list(channel.messages):
                if message.ephemeral or message.deleted:
                    continue
                fingerprint = _fingerprint(message)
                previous = self._seen.get(message.id)
                if previous == fingerprint:
                    continue
                self._seen[message.id] = fingerprint
                verb = "edited" if previous else "posted"
                text = render(message)
                where = f"#{channel.name}"
                self.console.print(
                    f"  [green]{where}[/green] [bold]{message.author.username}[/bold] {verb}:"
                )
                for line in text.splitlines()[:14]:
                    self.console.print(f"    {line}", markup=False, highlight=False)
                self.lines.append(f"**{where}** · {message.author.username} {verb}:\n")
                self.lines.append("\n".join(f"    {line}" for line in text.splitlines()) + "\n")

    async def _run(self) -> None:
        while True:
            self.poll_once()
            await asyncio.sleep(0.1)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        self.poll_once()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def markdown(self) -> str:
        return "# Dailies demo transcript\n" + "\n".join(self.lines) + "\n"
