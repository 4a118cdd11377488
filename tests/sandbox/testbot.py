"""A small throwaway bot exercising what Dailies will do, built fresh for each connection."""

from __future__ import annotations

import asyncio
import datetime
import io
import re
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands


class TakeButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"take:(?P<id>\d+):pick"):
    """A button that survives restarts: the take id lives in its custom id."""

    def __init__(self, take_id: int) -> None:
        super().__init__(
            discord.ui.Button(label=f"Pick take {take_id}", custom_id=f"take:{take_id}:pick")
        )
        self.take_id = take_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
    ) -> TakeButton:
        return cls(int(match["id"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await interaction.response.send_message(
            f"{interaction.user.name} picked take {self.take_id}", ephemeral=True
        )


class NoteModal(discord.ui.Modal, title="Director's note"):
    note: discord.ui.TextInput[Any] = discord.ui.TextInput(label="Note", custom_id="note")

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        await interaction.response.send_message(
            f"Note saved: {self.note.value}", allowed_mentions=discord.AllowedMentions.none()
        )


class ReferenceModal(discord.ui.Modal, title="New reference"):
    caption: discord.ui.Label[Any] = discord.ui.Label(
        text="Caption", component=discord.ui.TextInput(custom_id="caption")
    )
    image: discord.ui.Label[Any] = discord.ui.Label(
        text="Image", component=discord.ui.FileUpload(custom_id="image", max_values=2)
    )

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        assert isinstance(self.caption.component, discord.ui.TextInput)
        assert isinstance(self.image.component, discord.ui.FileUpload)
        files = self.image.component.values
        data = [await f.read() for f in files]
        await interaction.response.send_message(
            f"{self.caption.component.value}: {[f.filename for f in files]} {sum(map(len, data))}"
        )


class CastPicker(discord.ui.View):
    @discord.ui.select(cls=discord.ui.UserSelect, custom_id="cast-picker", max_values=2)
    async def pick(
        self, interaction: discord.Interaction[Any], select: discord.ui.UserSelect[Any]
    ) -> None:
        names = sorted(u.name for u in select.values)
        await interaction.response.edit_message(content=f"cast: {names}", view=None)


class ShotSelect(discord.ui.View):
    @discord.ui.select(
        custom_id="shot-select",
        options=[discord.SelectOption(label=f"Shot {n}", value=str(n)) for n in (1, 2, 3)],
    )
    async def pick(
        self, interaction: discord.Interaction[Any], select: discord.ui.Select[Any]
    ) -> None:
        await interaction.response.edit_message(content=f"Shot {select.values[0]} selected")


class TestBot(commands.Bot):
    """A Bot that remembers what it saw, for assertions."""

    events_seen: list[tuple[str, Any]]


def build_bot(guild_id: int, *, ack_delay: float = 0.0) -> TestBot:
    """The test bot; ``ack_delay`` makes /slow acknowledge late on purpose."""
    intents = discord.Intents.default()
    intents.members = True
    intents.message_content = True
    bot = TestBot(command_prefix="!", intents=intents, guild_ready_timeout=0.1, help_command=None)
    guild = discord.Object(guild_id)
    seen: list[tuple[str, Any]] = []
    bot.events_seen = seen

    async def setup_hook() -> None:
        bot.add_dynamic_items(TakeButton)
        await bot.tree.sync(guild=guild)
        await bot.tree.sync()

    bot.setup_hook = setup_hook  # type: ignore[method-assign]

    @bot.tree.command(name="ping", description="Health check", guild=guild)
    async def ping(interaction: discord.Interaction[Any]) -> None:
        await interaction.response.send_message(f"pong {interaction.locale.value}")

    @bot.tree.command(name="limit", description="Upload limit", guild=guild)
    async def limit(interaction: discord.Interaction[Any]) -> None:
        assert interaction.guild is not None
        await interaction.response.send_message(
            f"{interaction.filesize_limit} {interaction.guild.filesize_limit}"
        )

    @bot.tree.command(name="secret", description="Ephemeral", guild=guild)
    async def secret(interaction: discord.Interaction[Any]) -> None:
        await interaction.response.send_message("only you", ephemeral=True)

    character = app_commands.Group(name="character", description="Cast", guild_ids=[guild_id])

    @character.command(name="create", description="New character")
    @app_commands.describe(name="Name", image="Reference image")
    async def character_create(
        interaction: discord.Interaction[Any],
        name: str,
        image: discord.Attachment,
        age: int | None = None,
    ) -> None:
        data = await image.read()
        await interaction.response.defer(thinking=True)
        await asyncio.sleep(0.05)
        await interaction.followup.send(
            f"{name} ({age}) has a {len(data)}-byte {image.content_type} reference",
            file=discord.File(io.BytesIO(data), filename=f"ref-{image.filename}"),
            allowed_mentions=discord.AllowedMentions.none(),
        )

    bot.tree.add_command(character)

    async def shot_names(
        interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        shots = ["1.1", "1.2", "2.1", "10.4"]
        return [
            app_commands.Choice(name=f"Shot {s}", value=s) for s in shots if s.startswith(current)
        ]

    async def cast_names(
        interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        # A character whose full title is too long for a choice name (Discord: <= 100).
        return [app_commands.Choice(name=current * 101, value="x")]

    @bot.tree.command(name="cast", description="Pick a character", guild=guild)
    @app_commands.autocomplete(who=cast_names)
    async def cast(interaction: discord.Interaction[Any], who: str) -> None:
        await interaction.response.send_message(who)

    @bot.tree.command(name="card", description="An embed", guild=guild)
    @app_commands.default_permissions(manage_guild=True)
    async def card(
        interaction: discord.Interaction[Any], title_length: int, id_length: int
    ) -> None:
        view = discord.ui.View()
        view.add_item(discord.ui.Button(label="Open", custom_id="c" * id_length))
        try:
            await interaction.response.send_message(
                embed=discord.Embed(title="T" * title_length), view=view
            )
        except discord.HTTPException as exc:
            await interaction.response.send_message(f"refused: {exc.status} {exc.code} {exc.text}")

    @bot.tree.command(name="shot", description="Show a shot", guild=guild)
    @app_commands.autocomplete(shot=shot_names)
    async def shot(interaction: discord.Interaction[Any], shot: str) -> None:
        await interaction.response.send_message(f"Shot {shot}", view=ShotSelect())

    @bot.tree.command(name="takes", description="Post takes", guild=guild)
    async def takes(interaction: discord.Interaction[Any]) -> None:
        view = discord.ui.View(timeout=None)
        for take_id in (7, 8):
            view.add_item(TakeButton(take_id))
        await interaction.response.send_message("Takes for shot 1.1", view=view)

    @bot.tree.command(name="note", description="Leave a note", guild=guild)
    async def note(interaction: discord.Interaction[Any]) -> None:
        await interaction.response.send_modal(NoteModal())

    @bot.tree.command(name="reference", description="Upload in a modal", guild=guild)
    async def reference(interaction: discord.Interaction[Any]) -> None:
        await interaction.response.send_modal(ReferenceModal())

    @bot.tree.command(name="announce", description="Post in a channel", guild=guild)
    async def announce(
        interaction: discord.Interaction[Any], where: discord.TextChannel, text: str
    ) -> None:
        await interaction.response.defer(ephemeral=True)
        try:
            await where.send(text)
        except discord.Forbidden as exc:
            await interaction.followup.send(f"forbidden: {exc.code}", ephemeral=True)
            return
        await interaction.followup.send("posted", ephemeral=True)

    @bot.tree.command(name="render", description="Defer, then report much later", guild=guild)
    async def render(interaction: discord.Interaction[Any]) -> None:
        await interaction.response.defer()
        seen.append(("render_token", interaction))

    @bot.tree.command(name="say", description="Repeat text", guild=guild)
    async def say(interaction: discord.Interaction[Any], text: str, safe: bool = True) -> None:
        mentions = discord.AllowedMentions.none() if safe else discord.utils.MISSING
        await interaction.response.send_message(text, allowed_mentions=mentions)

    @bot.tree.command(name="slow", description="Acknowledges late", guild=guild)
    async def slow(interaction: discord.Interaction[Any]) -> None:
        await asyncio.sleep(ack_delay)
        try:
            await interaction.response.send_message("late")
        except discord.HTTPException as exc:
            seen.append(("slow_error", exc.code))

    @bot.tree.command(name="twice", description="Acknowledges twice", guild=guild)
    async def twice(interaction: discord.Interaction[Any]) -> None:
        await interaction.response.send_message("once")
        # discord.py refuses a second response locally; a second process (or a view and a
        # DynamicItem both matching one custom id) would send it anyway: do that by hand.
        route = discord.http.Route(
            "POST",
            "/interactions/{interaction_id}/{token}/callback",
            interaction_id=interaction.id,
            token=interaction.token,
        )
        try:
            await bot.http.request(route, json={"type": 4, "data": {"content": "twice"}})
        except discord.HTTPException as exc:
            seen.append(("twice_error", exc.code))

    @bot.tree.command(name="poll", description="Vote on takes", guild=guild)
    async def poll(interaction: discord.Interaction[Any]) -> None:
        vote = discord.Poll(question="Which take?", duration=datetime.timedelta(hours=1))
        vote.add_answer(text="Take A").add_answer(text="Take B")
        await interaction.response.send_message(poll=vote)

    @bot.tree.command(name="endpoll", description="End the last poll", guild=guild)
    async def endpoll(interaction: discord.Interaction[Any]) -> None:
        assert interaction.channel is not None
        async for message in interaction.channel.history(limit=20):  # type: ignore[union-attr]
            if message.poll is not None and not message.poll.is_finalized():
                ended = await message.end_poll()
                counts = {a.text: a.vote_count for a in ended.poll.answers}  # type: ignore[union-attr]
                await interaction.response.send_message(f"Poll closed: {counts}")
                return
        await interaction.response.send_message("no open poll")

    @bot.tree.command(name="thread", description="Discuss a shot", guild=guild)
    async def thread(interaction: discord.Interaction[Any], shot: str) -> None:
        await interaction.response.defer(ephemeral=True)
        channel = interaction.channel
        assert isinstance(channel, discord.TextChannel)
        starter = await channel.send(f"Dailies for shot {shot}")
        room = await starter.create_thread(name=f"Shot {shot}")
        await room.send("Post your notes here")
        await interaction.followup.send(f"Opened {room.mention}", ephemeral=True)

    @bot.tree.command(name="forumpost", description="Post in the forum", guild=guild)
    async def forumpost(interaction: discord.Interaction[Any], title: str) -> None:
        assert interaction.guild is not None
        forum = discord.utils.get(interaction.guild.forums, name="dailies-forum")
        assert forum is not None
        tag = discord.utils.get(forum.available_tags, name="Episode 1")
        assert tag is not None
        posted = await forum.create_thread(
            name=title,
            applied_tags=[tag],
            content="First cut",
            file=discord.File(io.BytesIO(b"cut-bytes"), filename="cut.mp4"),
        )
        await interaction.response.send_message(
            f"Posted {posted.thread.id} {posted.message.id}", ephemeral=True
        )

    @bot.tree.command(name="premiere", description="Schedule a premiere", guild=guild)
    async def premiere(interaction: discord.Interaction[Any], hours: int) -> None:
        assert interaction.guild is not None
        start = discord.utils.utcnow() + datetime.timedelta(hours=hours)
        try:
            event = await interaction.guild.create_scheduled_event(
                name="Episode 1 premiere",
                start_time=start,
                end_time=start + datetime.timedelta(hours=1),
                entity_type=discord.EntityType.external,
                privacy_level=discord.PrivacyLevel.guild_only,
                location="#premieres",
                description="Popcorn ready",
            )
        except discord.HTTPException as exc:
            await interaction.response.send_message(f"error {exc.code}", ephemeral=True)
            return
        await interaction.response.send_message(f"Premiere {event.id} at {event.start_time}")

    @bot.tree.context_menu(name="Use as reference", guild=guild)
    async def use_as_reference(
        interaction: discord.Interaction[Any], message: discord.Message
    ) -> None:
        files = [a.filename for a in message.attachments]
        await interaction.response.send_message(f"reference from {message.id}: {files}")

    @bot.tree.context_menu(name="Credit", guild=guild)
    async def credit(interaction: discord.Interaction[Any], member: discord.Member) -> None:
        view = CastPicker()
        await interaction.response.send_message(f"credit {member.name} as?", view=view)

    @bot.tree.command(name="golive", description="Start the premiere", guild=guild)
    async def golive(interaction: discord.Interaction[Any]) -> None:
        assert interaction.guild is not None
        [event] = await interaction.guild.fetch_scheduled_events()
        crowd = sorted([u.name async for u in event.users()])
        try:
            event = await event.start()
            event = await event.end()
            await event.edit(status=discord.EventStatus.active)  # over is over
        except discord.HTTPException as exc:
            await interaction.response.send_message(f"{crowd} {event.status.name} {exc.code}")

    @bot.tree.command(name="upload", description="Post a file of a given size", guild=guild)
    async def upload(interaction: discord.Interaction[Any], size: int) -> None:
        await interaction.response.defer()
        try:
            await interaction.followup.send(
                "your render", file=discord.File(io.BytesIO(b"x" * size), filename="render.mp4")
            )
        except discord.HTTPException as exc:
            await interaction.followup.send(f"upload refused: {exc.status} {exc.code}")

    @bot.tree.command(name="long", description="Too much text", guild=guild)
    async def long(interaction: discord.Interaction[Any]) -> None:
        try:
            await interaction.response.send_message("x" * 2001)
        except discord.HTTPException as exc:
            await interaction.response.send_message(f"refused: {exc.status} {exc.code}")

    @bot.tree.command(name="layout", description="Components V2", guild=guild)
    async def layout(interaction: discord.Interaction[Any], items: int) -> None:
        view = discord.ui.LayoutView()
        container = discord.ui.Container[Any]()
        for n in range(items):
            container.add_item(discord.ui.TextDisplay[Any](f"Take {n}"))
        view.add_item(container)
        try:
            await interaction.response.send_message(view=view)
        except discord.HTTPException as exc:
            await interaction.response.send_message(f"refused: {exc.status} {exc.code}")

    @bot.tree.command(name="gallery", description="Takes in a CV2 gallery", guild=guild)
    async def gallery(interaction: discord.Interaction[Any]) -> None:
        view = discord.ui.LayoutView(timeout=None)
        container = discord.ui.Container[Any]()
        container.add_item(
            discord.ui.MediaGallery[Any](discord.MediaGalleryItem("attachment://take7.mp4"))
        )
        container.add_item(
            discord.ui.Section[Any](discord.ui.TextDisplay[Any]("Take 7"), accessory=TakeButton(7))
        )
        view.add_item(container)
        await interaction.response.send_message(
            view=view, file=discord.File(io.BytesIO(b"take-7-video"), filename="take7.mp4")
        )

    @bot.tree.command(name="edit", description="Post then revise", guild=guild)
    async def edit(interaction: discord.Interaction[Any]) -> None:
        await interaction.response.send_message(
            "draft", file=discord.File(io.BytesIO(b"draft-bytes"), filename="draft.txt")
        )
        message = await interaction.original_response()
        await message.edit(content="final", attachments=[])

    @bot.event
    async def on_raw_poll_vote_add(payload: discord.RawPollVoteActionEvent) -> None:
        seen.append(("vote_add", payload.answer_id))

    @bot.event
    async def on_raw_poll_vote_remove(payload: discord.RawPollVoteActionEvent) -> None:
        seen.append(("vote_remove", payload.answer_id))

    @bot.event
    async def on_thread_create(thread: discord.Thread) -> None:
        seen.append(("thread", thread.name))

    @bot.event
    async def on_scheduled_event_create(event: discord.ScheduledEvent) -> None:
        seen.append(("event", event.name))

    @bot.tree.command(name="global-ping", description="A global command")
    async def global_ping(interaction: discord.Interaction[Any]) -> None:
        await interaction.response.send_message("global pong")

    @bot.event
    async def on_message(message: discord.Message) -> None:
        seen.append(("message", message.content))

    return bot
