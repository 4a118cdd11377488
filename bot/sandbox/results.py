"""What the bot did with one interaction, as the driver reports it; awaitables wait for it."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

from bot.sandbox.state import Interaction, Message

if TYPE_CHECKING:
    from bot.sandbox.acting import Acting


class SandboxUsageError(ValueError):
    """The test asked for something a Discord user could not do (unknown option, no button...)."""


class InteractionResult:
    """What the bot did with one interaction; awaitables wait for it to happen."""

    def __init__(self, sandbox: Acting, interaction: Interaction) -> None:
        self.sandbox = sandbox
        self.interaction = interaction

    def __repr__(self) -> str:
        i = self.interaction
        return f"<InteractionResult id={i.id} type={i.type} ack_type={i.ack_type}>"

    @property
    def ack_type(self) -> int | None:
        """4 message, 5 deferred, 6 deferred update, 7 update, 8 choices, 9 modal; None if none."""
        return self.interaction.ack_type

    @property
    def ephemeral(self) -> bool:
        return self.interaction.ephemeral

    @property
    def deferred(self) -> bool:
        return self.interaction.ack_type in (5, 6)

    @property
    def original(self) -> Message | None:
        return self.interaction.original

    @property
    def followups(self) -> list[Message]:
        return self.interaction.followups

    @property
    def modal(self) -> dict[str, Any] | None:
        return self.interaction.modal

    @property
    def choices(self) -> list[dict[str, Any]] | None:
        return self.interaction.choices

    @property
    def errors(self) -> list[dict[str, Any]]:
        """Error answers the bot got on this interaction's routes (e.g. code 40060, 10062)."""
        return self.interaction.errors

    @property
    def message(self) -> Message | None:
        """The message a component was on."""
        return self.interaction.message

    @property
    def ack_latency(self) -> float | None:
        return self.interaction.ack_latency

    def expire_token(self) -> None:
        """Play "15 minutes later": follow-ups and @original edits now get 404 10015."""
        self.interaction.token_expired = True

    async def acknowledged(self, timeout: float | None = None) -> InteractionResult:  # noqa: ASYNC109
        """Wait for the callback; AssertionError if it did not arrive within Discord's 3 s."""
        i = self.interaction
        if i.acked.is_set():
            return self
        if timeout is None:
            deadline = self.sandbox.state.ack_deadline
            timeout = max(0.0, i.dispatched_at + deadline + 0.25 - time.monotonic())
        try:
            await asyncio.wait_for(i.acked.wait(), timeout)
        except TimeoutError:
            raise AssertionError(
                f"interaction {i.id} ({i.data.get('name') or i.data.get('custom_id')}) was not "
                f"acknowledged within {self.sandbox.state.ack_deadline:g} s; errors: {i.errors}"
            ) from None
        return self

    async def reply(self, timeout: float = 10.0) -> Message:  # noqa: ASYNC109
        """The message the member sees as the answer: the response (type 4), the updated message
        (7), or whatever first filled a defer (a follow-up or an ``@original`` edit)."""
        await self.acknowledged()
        if self.ack_type in (8, 9):
            kind = "a modal (see .modal)" if self.ack_type == 9 else "choices (see .choices)"
            raise AssertionError(f"the bot answered interaction {self.interaction.id} with {kind}")
        try:
            await asyncio.wait_for(self.interaction.replied.wait(), timeout)
        except TimeoutError:
            raise AssertionError(
                f"no visible reply to interaction {self.interaction.id} within {timeout} s "
                f"(ack type {self.ack_type}); errors: {self.errors}"
            ) from None
        reply = self.interaction.first_reply
        assert reply is not None
        return reply

    async def followup(self, n: int = 0, timeout: float = 10.0) -> Message:  # noqa: ASYNC109
        """The ``n``-th follow-up message (0-based), waiting for it."""
        deadline = time.monotonic() + timeout
        while len(self.interaction.followups) <= n:
            if time.monotonic() > deadline:
                raise AssertionError(f"follow-up #{n} did not arrive within {timeout} s")
            await asyncio.sleep(0.01)
        return self.interaction.followups[n]
