"""Fountain screenplays become scenes, shot stubs and dialogue lines; bad files are refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage.errors import InvalidInput
from storage.screenplay import (
    MAX_SCRIPT_BYTES,
    MAX_SHOTS,
    decode_script,
    display_name,
    estimate_duration,
    guess_language,
    parse_screenplay,
    split_heading,
)

SAMPLE = Path(__file__).parent.parent / "data" / "la_nuit_du_phare.fountain"


def sample() -> str:
    return SAMPLE.read_text(encoding="utf-8")


def test_sample_gives_one_scene_per_heading_with_accents_kept() -> None:
    """Four headings (INT., EXT., forced ".", and bare "INT ") give four scenes in order."""
    outline = parse_screenplay(sample())
    assert outline.title == "La Nuit du Phare"
    assert [s.heading for s in outline.scenes] == [
        "INT. PHARE DE KERBRAS - SALLE DES LAMPES - NUIT",
        "EXT. FALAISE - CONTINUOUS",
        "SOUS-SOL DU PHARE",
        "INT CUISINE DE L'AUBERGE - JOUR",
    ]
    assert [s.location for s in outline.scenes] == [
        "PHARE DE KERBRAS - SALLE DES LAMPES",
        "FALAISE",
        "SOUS-SOL DU PHARE",
        "CUISINE DE L'AUBERGE",
    ]
    assert outline.scenes[0].synopsis == "Élodie finds Mara where no one should be."


def test_sample_speakers_keep_accents_and_lose_extensions() -> None:
    outline = parse_screenplay(sample())
    assert outline.speakers == ["ÉLODIE", "MARA", "McCLANE", "GRÉGOIRE"]


def test_dialogue_drops_parentheticals_and_guesses_language() -> None:
    first_scene = parse_screenplay(sample()).scenes[0]
    spoken = [line for shot in first_scene.shots for line in shot.lines]
    assert spoken[0].text == "Il y a quelqu'un ?"
    assert spoken[0].language == "fr"
    assert spoken[1].text == "Up here. Don't touch the lens."
    assert spoken[1].language == "en"
    assert all("essoufflée" not in line.text for line in spoken)
    # The parenthetical still informs the stub's action.
    assert first_scene.shots[2].action == "Élodie, essoufflée, speaks."


def test_dual_dialogue_shares_one_shot() -> None:
    """MARA ^ after ÉLODIE: both lines in one shot, both speakers present."""
    first_scene = parse_screenplay(sample()).scenes[0]
    dual = first_scene.shots[-1]
    assert dual.speakers == ("ÉLODIE", "MARA")
    assert [line.text for line in dual.lines] == [
        "Mara ? C'est toi ?",
        "Who else would be mad enough?",
    ]
    assert "same time" in dual.action


def test_one_shot_per_action_paragraph_and_dialogue_block() -> None:
    outline = parse_screenplay(sample())
    assert [len(s.shots) for s in outline.scenes] == [5, 3, 4, 2]
    assert outline.shot_count == 14
    # Notes and emphasis markers never reach a shot.
    actions = [shot.action for scene in outline.scenes for shot in scene.shots]
    assert not any("[[" in a or "*" in a for a in actions)
    assert "throwing light across the sea" in actions[0]


def test_durations_are_reasonable() -> None:
    outline = parse_screenplay(sample())
    for scene in outline.scenes:
        for shot in scene.shots:
            assert 2.0 <= shot.duration_s <= 20.0
    assert estimate_duration(200, spoken=True) == 20.0
    assert estimate_duration(1, spoken=False) == 2.0


def test_very_long_action_is_split_into_several_shots() -> None:
    paragraph = " ".join(["The fog rolls over the harbour and nobody moves."] * 80)
    outline = parse_screenplay(f"EXT. PORT - NUIT\n\n{paragraph}\n")
    shots = outline.scenes[0].shots
    assert len(shots) >= 2
    assert all(len(shot.action) <= 2000 for shot in shots)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("", "script.import.empty"),
        ("   \n\n  \n", "script.import.empty"),
        ("Just a note about the weather.\n\nAnother paragraph.", "script.import.no_headings"),
        ("INT. BAR - NUIT\n\n@everyone look at this.", "script.text_mention"),
        ("INT. BAR - NUIT\n\nMARA\nPing <@&123456789012345678> now.", "script.text_mention"),
    ],
)
def test_bad_scripts_are_refused_with_a_reason(text: str, key: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_screenplay(text)
    assert caught.value.key == key


def test_too_many_shots_is_refused() -> None:
    body = "\n\n".join(f"Beat {i}." for i in range(MAX_SHOTS + 1))
    with pytest.raises(InvalidInput) as caught:
        parse_screenplay(f"INT. COULOIR - JOUR\n\n{body}\n")
    assert caught.value.key == "script.import.too_many_shots"


def test_binary_and_huge_uploads_are_refused() -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200)
    with pytest.raises(InvalidInput) as binary:
        decode_script(png)
    assert binary.value.key == "script.import.binary"
    with pytest.raises(InvalidInput) as huge:
        decode_script(b"A" * (MAX_SCRIPT_BYTES + 1))
    assert huge.value.key == "script.import.too_big"


def test_utf8_with_bom_and_windows_1252_both_decode() -> None:
    assert decode_script("\ufeffINT. CAFÉ - JOUR".encode()) == "INT. CAFÉ - JOUR"
    assert decode_script("INT. CAFÉ - JOUR".encode("cp1252")) == "INT. CAFÉ - JOUR"


def test_heading_and_name_helpers() -> None:
    assert split_heading("INT./EXT. VOITURE DE MARA - NUIT") == "VOITURE DE MARA"
    assert split_heading("EXT. PLAGE") == "PLAGE"
    assert display_name("PHARE DE KERBRAS") == "Phare de Kerbras"
    assert display_name("McCLANE") == "McCLANE"
    assert guess_language("Où est le gardien ?") == "fr"
    assert guess_language("Where is the keeper?") == "en"


def test_second_sample_with_the_rest_of_the_syntax() -> None:
    """Scene numbers, boneyard, sections, forced action, lyrics, page breaks, centered cards."""
    text = (SAMPLE.parent / "le_gardien_du_phare.fountain").read_text(encoding="utf-8")
    outline = parse_screenplay(text)
    assert outline.title == "Le Gardien du Phare (The Lighthouse Keeper)"
    assert [s.heading for s in outline.scenes] == [
        "INT./EXT. VOITURE DE MARA - NUIT",  # "#1#" scene number dropped
        "EXT. PHARE DE KERBRAS - NUIT",
        "INT. SALLE DES LAMPES - CONTINUOUS",
    ]
    actions = [shot.action for scene in outline.scenes for shot in scene.shots]
    assert actions == [
        "Headlights sweep the coast road. MARA (30s) drives; ÉLODIE dozes against the window.",
        "THE RADIO CRACKLES.",
        "Mara, to herself, speaks.",
        "♪ Au clair de la lune, mon ami Pierrot ♪",
        "The lighthouse, dark for the first time in a century.",
        "Élodie speaks.",
        "GRÉGOIRE (70s) sits by the dead lamp, a logbook open on his knees.",
        "Grégoire speaks.",
    ]
    # The boneyard's old line never becomes dialogue; emphasis is gone from the words.
    spoken = [line.text for scene in outline.scenes for shot in scene.shots for line in shot.lines]
    assert spoken == [
        "Three more kilometres.",
        "C'est fini.",
        "Vous êtes en retard. Trop en retard.",
    ]
