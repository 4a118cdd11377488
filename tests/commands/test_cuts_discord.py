"""/episode cut | recap | export through the sandbox, in English and French."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import select

from bot.sandbox import InteractionResult, Message
from pipeline.media.ffmpeg import run_ffmpeg
from storage.guilds import update_settings
from storage.models import Render
from tests.cut.seed import seed_episode, small_house
from tests.helpers import Studio, message_text, png

TIMEOUT = 60


async def _seed(studio: Studio, number: int, locked: list[bool], **kw: object) -> None:
    await small_house(studio.db, studio.guild.id)
    await seed_episode(studio.db, studio.media, studio.guild.id, studio.tmp_path / f"takes{number}",
                       number=number, locked=locked, **kw)  # type: ignore[arg-type]  # fmt: skip


async def _private(res: InteractionResult) -> str:
    """The reply's text, checking that only the member saw it."""
    text = (await res.reply()).content
    assert res.ephemeral, text
    return text


def _posted(studio: Studio, suffix: str) -> Callable[[Message], bool]:
    def match(message: Message) -> bool:
        return any(a.filename.endswith(suffix) for a in message.attachments)

    return match


async def test_preview_cut_posts_the_episode_with_slates_and_subtitles(studio: Studio) -> None:
    """A partly locked episode: the card fills up, then the cut is posted with its SRT, the
    waiting shot is named, and the card says ready."""
    await _seed(studio, 1, [True, True, False])
    res = await studio.slash(studio.crew, "episode cut", {"episode": "1", "fade_scenes": "1"})
    ack = await res.reply()
    assert res.ephemeral and "Rendering started" in ack.content
    posted = await studio.sandbox.wait_for_message(
        channel=studio.dailies, predicate=_posted(studio, ".mp4"), timeout=TIMEOUT
    )
    names = {a.filename for a in posted.attachments}
    assert names == {"episode-1.mp4", "episode-1.en.srt"}
    text = message_text(posted)
    assert "Episode 1" in text and "slates: 1.2.1" in text and "still waiting" in text
    assert "no translation offline" in text
    card = await studio.sandbox.wait_for_message(
        channel=studio.dailies, predicate=lambda m: m.content.startswith("✅"), timeout=10
    )
    assert "ready" in card.content and card.edited
    async with studio.db.session() as s:
        render = (await s.exec(select(Render))).one()
    assert render.kind == "preview" and not render.final and render.subtitles.get("en")


async def test_final_cut_in_french_and_refusals(studio: Studio) -> None:
    """French server: a final cut is refused while a shot waits (listing it), then the French
    preview is posted with French words; episode 1 has no recap; bad music is refused."""
    await update_settings(studio.db, studio.guild.id, locale="fr")
    await _seed(studio, 1, [True, False], language="fr")
    res = await studio.slash(studio.francophone, "episode cut", {"episode": "1", "final": True})
    refusal = await res.reply()
    assert res.ephemeral
    assert "En attente : 1.2.1" in refusal.content.replace("\u202f", " ")
    res = await studio.slash(studio.crew, "episode cut", {"episode": "1", "final": True})
    assert "Still waiting: 1.2.1" in (await res.reply()).content

    res = await studio.slash(studio.francophone, "episode recap", {"episode": "1"})
    assert "rien à résumer" in (await _private(res))

    not_audio = studio.attachment("bed.mp3", png(32, 32))
    res = await studio.slash(studio.showrunner, "episode cut", {"episode": "1", "music": not_audio})
    assert "not a sound file" in (await _private(res))
    hour = studio.tmp_path / "hour.mp3"
    await run_ffmpeg(["-f", "lavfi", "-i", "anullsrc=r=8000:cl=mono", "-t", "3600",
                      "-c:a", "libmp3lame", "-b:a", "8k", str(hour)])  # fmt: skip
    long_bed = studio.attachment("hour.mp3", hour.read_bytes())
    res = await studio.slash(studio.showrunner, "episode cut", {"episode": "1", "music": long_bed})
    assert "too long" in (await _private(res))
    res = await studio.slash(studio.crew, "episode cut", {"episode": "1", "music": long_bed})
    assert "showrunner" in (await _private(res)).lower()
    async with studio.db.session() as s:
        assert (await s.exec(select(Render))).first() is None

    res = await studio.slash(studio.francophone, "episode cut", {"episode": "1"})
    assert "Rendu lancé" in (await res.reply()).content
    posted = await studio.sandbox.wait_for_message(
        channel=studio.dailies, predicate=_posted(studio, ".mp4"), timeout=TIMEOUT
    )
    assert "Épisode 1" in message_text(posted) and "claps" in message_text(posted)
    assert {a.filename for a in posted.attachments} >= {"episode-1.fr.srt"}


async def test_nothing_locked_is_refused(studio: Studio) -> None:
    await _seed(studio, 1, [False, False])
    res = await studio.slash(studio.crew, "episode cut", {"episode": "1"})
    assert "no locked shot" in (await _private(res))
    res = await studio.slash(studio.crew, "episode cut", {"episode": "1", "fade_scenes": "9"})
    assert "no scene `9`" in (await _private(res))


async def test_recap_and_export(studio: Studio) -> None:
    """Episode 2's recap is made from episode 1 and posted; the export gives OTIO, EDL, XML."""
    await _seed(studio, 1, [True, True, True], key=(1,), memorable=(2,), votes={0: 3})
    await _seed(studio, 2, [True, False])
    res = await studio.slash(studio.crew, "episode recap", {"episode": "2", "seconds": 30})
    assert "Rendering started" in await _private(res)
    posted = await studio.sandbox.wait_for_message(
        channel=studio.dailies, predicate=_posted(studio, "recap-2.mp4"), timeout=TIMEOUT
    )
    assert "Previously on" in message_text(posted)

    res = await studio.slash(studio.crew, "episode export", {"episode": "2"})
    reply = await res.reply()
    names = {a.filename for a in reply.attachments}
    assert names == {"episode-2.otio", "episode-2.edl", "episode-2.xml"}
    edl = next(a for a in reply.attachments if a.filename.endswith(".edl")).data.decode()
    assert "2.1.1" in edl and "2.2.1" in edl
