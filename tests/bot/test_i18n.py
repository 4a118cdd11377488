"""The translator: catalogs stay consistent, members get their language, commands get French."""

from __future__ import annotations

import pytest

from bot import i18n
from bot.i18n import CatalogError, pick_locale, register_strings, t


def test_member_language_wins_then_server_then_default() -> None:
    """A French member gets French; a German member gets the server's default, then ours."""
    assert pick_locale("fr", "en") == "fr"
    assert pick_locale("en-US", "fr") == "en"
    assert pick_locale("en-GB", "fr") == "en"
    assert pick_locale("de", "fr") == "fr"
    assert pick_locale("es-ES", None, "fr") == "fr"
    assert pick_locale(None, None) == "en"


def test_t_formats_in_the_chosen_language() -> None:
    """The same key reads in English or French with the values filled in."""
    assert "error id" not in t("error.unexpected", "en", error_id="ab12")
    assert "ab12" in t("error.unexpected", "en", error_id="ab12")
    assert "erreur" in t("error.unexpected", "fr", error_id="ab12")


def test_unknown_key_or_bad_kwargs_never_raise() -> None:
    """A missing string shows its key rather than breaking the reply."""
    assert t("no.such.key", "fr") == "no.such.key"
    assert t("error.unexpected", "en") != ""


def test_keys_must_match_between_languages() -> None:
    """A catalog with a key only in English is refused at import."""
    with pytest.raises(CatalogError, match="only in en"):
        register_strings(en={"test.only_en": "x"}, fr={}, owner="tests.a")


def test_placeholders_must_match_between_languages() -> None:
    """A French string that forgets {name} is refused."""
    with pytest.raises(CatalogError, match="placeholders"):
        register_strings(en={"test.ph": "{name}"}, fr={"test.ph": "nom"}, owner="tests.a")


def test_a_key_registered_by_two_features_is_refused() -> None:
    """Two features cannot both own 'test.twice'; the same feature re-registering is fine."""
    register_strings(en={"test.twice": "a"}, fr={"test.twice": "a"}, owner="tests.one")
    register_strings(en={"test.twice": "b"}, fr={"test.twice": "b"}, owner="tests.one")
    assert t("test.twice", "en") == "b"
    with pytest.raises(CatalogError, match="already registered"):
        register_strings(en={"test.twice": "c"}, fr={"test.twice": "c"}, owner="tests.two")


def test_every_registered_key_exists_in_both_languages() -> None:
    """Whatever is loaded now has English and French for every key."""
    import bot.errors  # noqa: F401  (registers the error strings)

    for key in i18n.all_keys():
        assert i18n.lookup(key, "en"), key
        assert i18n.lookup(key, "fr"), key
