"""Domain errors that services raise and the bot turns into one polite sentence.

Each carries an i18n key (looked up in the member's language by ``bot/errors.py``) and the values
the sentence needs. Storage knows nothing of Discord or translations: the key is just a string.
"""

from __future__ import annotations

from typing import Any


class UserFacingError(Exception):
    """Something the member did that we refuse, with the sentence that explains why.

    ``UserFacingError("character.locked", name="Mara")`` is shown as the ``character.locked``
    string of the member's language, formatted with ``name``.
    """

    default_key = "error.generic"

    def __init__(self, key: str | None = None, /, **kwargs: Any) -> None:
        self.key = key or self.default_key
        self.kwargs = kwargs
        super().__init__(self.key, kwargs)


class NotFound(UserFacingError):
    """The thing does not exist in this server (an id from another server is this too)."""

    default_key = "error.not_found"


class NotAllowed(UserFacingError):
    default_key = "error.not_allowed"


class AlreadyExists(UserFacingError):
    default_key = "error.already_exists"


class InvalidInput(UserFacingError):
    default_key = "error.invalid_input"
