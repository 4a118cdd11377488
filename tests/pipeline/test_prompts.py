"""The prompt compiler: provider-sized, deterministic, and never loses who a character is."""

from __future__ import annotations

import pytest

from pipeline.prompts import (
    CameraBrief,
    CharacterBrief,
    DialogueBrief,
    LocationBrief,
    PromptTooLong,
    ShotBrief,
    ShotNotFound,
    StyleBible,
    compile_prompt,
    identity_floor,
    identity_parts,
    load_brief,
    prompt_limit,
)
from storage.db import Database
from storage.models import (
    Character,
    DialogueLine,
    Episode,
    Location,
    Scene,
    Series,
    Shot,
    ShotCharacter,
)

MARA = CharacterBrief(
    name="Mara",
    appearance="Tall woman with cropped silver hair. Weathered hands, a slight limp on the left.",
    wardrobe="long oilskin coat over a grey fisherman's sweater",
    age="40s",
    never_change="scar across the left eyebrow, green eyes",
)
JO = CharacterBrief(
    name="Jo",
    appearance="Wiry teenager, freckles, a shock of red curls. Chews on a pencil.",
    wardrobe="yellow raincoat, rubber boots",
    age="15",
    never_change="missing front tooth",
)
BRIEF = ShotBrief(
    action="Mara steps onto the pier. Jo runs after her, shouting. "
    "The fog swallows the lighthouse.",
    camera=CameraBrief(shot_size="wide", movement="slow dolly in", lens="35mm"),
    duration_s=6,
    style=StyleBible(
        look="16mm film grain, handheld, natural light",
        palette="teal and rust, desaturated",
        lenses="vintage anamorphic",
        era="late 1970s",
        references="Stalker (Tarkovsky), The Lighthouse (Eggers)",
    ),
    location=LocationBrief(
        name="Harbour", description="a foggy fishing harbour at dawn, rotten pilings, gulls"
    ),
    characters=(MARA, JO),
    dialogue=(
        DialogueBrief(speaker="Jo", text="Wait! You promised.", language="en"),
        DialogueBrief(speaker="Mara", text="Rentre à la maison.", language="fr"),
    ),
)


def _assert_identities(text: str, brief: ShotBrief) -> None:
    for character in brief.characters:
        for part in identity_parts(character):
            assert part in text, (part, text)


def test_full_brief_fits_a_generous_limit_untouched() -> None:
    """Everything the showrunner wrote is in the prompt when the provider allows it."""
    out = compile_prompt(BRIEF, "local-animatic")
    assert not out.shortened and out.dropped == ()
    assert out.max_chars == prompt_limit("local-animatic")
    for piece in (
        "Wide shot",
        "slow dolly in",
        "35mm",
        "6 seconds",
        "Harbour",
        "rotten pilings",
        "oilskin coat",
        '"Rentre à la maison."',
        "Stalker",
        "late 1970s",
    ):
        assert piece in out.text
    _assert_identities(out.text, BRIEF)


def test_same_brief_same_prompt() -> None:
    """Shortening is deterministic: two compiles at every limit give identical results."""
    full = len(compile_prompt(BRIEF, max_chars=10_000).text)
    for limit in range(len(identity_floor(BRIEF)), full + 1, 7):
        assert compile_prompt(BRIEF, max_chars=limit) == compile_prompt(BRIEF, max_chars=limit)


def test_identity_survives_every_limit_down_to_the_floor() -> None:
    """At every length from full to the floor the text fits and every identity is intact."""
    full_text = compile_prompt(BRIEF, max_chars=10_000).text
    floor = identity_floor(BRIEF)
    previous: tuple[str, ...] = ()
    for limit in range(len(full_text), len(floor) - 1, -1):
        out = compile_prompt(BRIEF, max_chars=limit)
        assert len(out.text) <= limit
        _assert_identities(out.text, BRIEF)
        # A tighter limit only ever drops more, in the same order.
        assert out.dropped[: len(previous)] == previous
        previous = out.dropped
    assert compile_prompt(BRIEF, max_chars=len(floor)).text == floor


def test_below_the_floor_is_a_clear_error() -> None:
    """When even the identities do not fit, the error says how many characters they need."""
    floor = identity_floor(BRIEF)
    with pytest.raises(PromptTooLong) as caught:
        compile_prompt(BRIEF, "runway", max_chars=len(floor) - 1)
    assert caught.value.needed_chars == len(floor)
    assert caught.value.max_chars == len(floor) - 1


@pytest.mark.parametrize(
    ("cut", "first_dropped"),
    [(1, "references"), (60, "era"), (90, "lenses")],
)
def test_style_references_go_first(cut: int, first_dropped: str) -> None:
    """References, then era, then lenses are the first things shortening removes."""
    full = len(compile_prompt(BRIEF, max_chars=10_000).text)
    out = compile_prompt(BRIEF, max_chars=full - cut)
    assert out.shortened
    assert out.dropped[-1] == first_dropped
    assert out.dropped == ("references", "era", "lenses")[: len(out.dropped)]


def test_drop_order_dialogue_before_action_and_wardrobe_before_dialogue() -> None:
    """Documented order: location detail, wardrobe, appearance detail, dialogue, look, action."""
    floor = identity_floor(BRIEF)
    out = compile_prompt(BRIEF, max_chars=len(floor))
    order = list(out.dropped)
    assert order[:4] == ["references", "era", "lenses", "palette"]
    assert order.index("location.description") < order.index("wardrobe:Jo")
    assert order.index("wardrobe:Jo") < order.index("wardrobe:Mara")
    assert order.index("appearance.detail:Mara") < order.index("dialogue:2")
    assert order.index("dialogue:2") < order.index("dialogue:1") < order.index("look")
    assert order.index("look") < order.index("action:3") < order.index("action:2")
    assert order[-2:] == ["action:1", "location"]


@pytest.mark.parametrize("provider", ["runway", "veo", "luma", "kling", "local-animatic", None])
def test_provider_limit_is_respected(provider: str | None) -> None:
    """A long brief is cut to each provider's documented length."""
    long_brief = ShotBrief(
        action=" ".join(
            f"Beat {i}: the tide turns and the boats knock together." for i in range(80)
        ),
        characters=(MARA, JO),
        style=BRIEF.style,
        location=BRIEF.location,
    )
    out = compile_prompt(long_brief, provider)
    assert len(out.text) <= prompt_limit(provider) == out.max_chars
    _assert_identities(out.text, long_brief)


async def test_load_brief_reads_the_shot_in_its_guild_only(db: Database) -> None:
    """The brief carries style, location, cast (speakers too), dialogue; other guilds: not found."""
    guild = 111
    async with db.session() as s:
        series = Series(
            guild_id=guild,
            name="Fog",
            name_key="fog",
            created_by=1,
            look="16mm grain",
            palette="teal",
            era="1970s",
        )
        s.add(series)
        await s.flush()
        assert series.id is not None
        harbour = Location(
            guild_id=guild,
            series_id=series.id,
            name="Harbour",
            name_key="harbour",
            description="foggy dawn",
            created_by=1,
        )
        mara = Character(
            guild_id=guild,
            series_id=series.id,
            name="Mara",
            name_key="mara",
            appearance="Silver hair.",
            never_change="scar",
            created_by=1,
        )
        jo = Character(
            guild_id=guild,
            series_id=series.id,
            name="Jo",
            name_key="jo",
            appearance="Red curls.",
            created_by=1,
        )
        s.add_all([harbour, mara, jo])
        await s.flush()
        episode = Episode(
            guild_id=guild, series_id=series.id, number=1, title="Pilot", created_by=1
        )
        s.add(episode)
        await s.flush()
        assert episode.id is not None
        scene = Scene(
            guild_id=guild,
            episode_id=episode.id,
            heading="EXT. HARBOUR - DAWN",
            location_id=harbour.id,
            created_by=1,
        )
        s.add(scene)
        await s.flush()
        assert scene.id is not None
        shot = Shot(
            guild_id=guild,
            episode_id=episode.id,
            scene_id=scene.id,
            action="Mara waits.",
            shot_size="close-up",
            duration_s=4,
            created_by=1,
        )
        s.add(shot)
        await s.flush()
        assert shot.id is not None and mara.id is not None
        s.add(ShotCharacter(shot_id=shot.id, character_id=mara.id, guild_id=guild))
        s.add(
            DialogueLine(
                guild_id=guild,
                shot_id=shot.id,
                position=0,
                character_id=jo.id,
                speaker="Jo",
                text="Salut",
                language="fr",
            )
        )
        await s.commit()
        shot_id = shot.id

    async with db.session() as s:
        brief = await load_brief(s, guild, shot_id)
        with pytest.raises(ShotNotFound):
            await load_brief(s, 222, shot_id)
    assert brief.style.look == "16mm grain" and brief.style.era == "1970s"
    assert brief.location == LocationBrief(name="Harbour", description="foggy dawn")
    assert [c.name for c in brief.characters] == ["Mara", "Jo"]
    assert brief.dialogue == (DialogueBrief(speaker="Jo", text="Salut", language="fr"),)
    assert brief.camera.shot_size == "close-up" and brief.duration_s == 4
    text = compile_prompt(brief, "veo").text
    assert "Mara: Silver hair; always: scar" in text and "Close-up shot" in text
