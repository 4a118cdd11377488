"""Every kind of error becomes one sentence in the member's language."""

from __future__ import annotations

from discord import app_commands

from bot.checks import MissingRole
from bot.errors import NotFound, explain
from storage.errors import InvalidInput
from storage.uploads import UploadRefused


def test_domain_error_speaks_the_member_language() -> None:
    """NotFound reads in English and in French, and is expected (no traceback)."""
    en, expected = explain(NotFound(), "en")
    fr, _ = explain(NotFound(), "fr")
    assert expected and "could not find" in en and "trouvé" in fr


def test_error_inside_command_is_unwrapped() -> None:
    """A domain error raised in a command body arrives wrapped; the member sees the inner one."""
    wrapped = app_commands.CommandInvokeError.__new__(app_commands.CommandInvokeError)
    wrapped.original = InvalidInput()
    text, expected = explain(wrapped, "en")
    assert expected and text == "That value is not valid."


def test_upload_refusal_names_the_file() -> None:
    """A 200 MB file is refused with its name and the limit."""
    text, _ = explain(UploadRefused("too_large", filename="big.png", limit=10 * 1024 * 1024), "en")
    assert "big.png" in text and "10 MB" in text


def test_missing_showrunner_role_points_at_setup_when_unset() -> None:
    """Without a configured role the member learns how to get one set."""
    text, _ = explain(MissingRole("showrunner"), "fr")
    assert "/setup" in text
    text, _ = explain(MissingRole("showrunner", 42), "en")
    assert "<@&42>" in text


def test_unexpected_error_has_no_canned_text() -> None:
    """A crash is not 'expected': the handler adds an error id and logs the traceback."""
    text, expected = explain(ZeroDivisionError(), "en")
    assert text == "" and not expected


def test_storage_upload_refusals_are_worded_with_their_limits() -> None:
    """The real UploadRefused from storage/uploads: pixels in MP, bytes in MB, French too."""
    text, expected = explain(
        UploadRefused("too_many_pixels", limit=40_000_000, filename="b.png"), "en"
    )
    assert expected and "b.png" in text and "40 MP" in text
    text, _ = explain(UploadRefused("too_large", limit=10 * 1024 * 1024, filename="h.png"), "fr")
    assert "trop lourd" in text and "10 MB" in text
