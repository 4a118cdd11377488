"""A local Discord (REST v10 + gateway) for the real discord.py client. See docs/sandbox.md."""

from bot.sandbox.driver import InteractionResult, Sandbox, SandboxUsageError
from bot.sandbox.errors import DiscordError
from bot.sandbox.harness import pointed_at, running
from bot.sandbox.ratelimit import RateLimits
from bot.sandbox.state import Attachment, Channel, Guild, Member, Message, Poll, Role, User

__all__ = [
    "Attachment",
    "Channel",
    "DiscordError",
    "Guild",
    "InteractionResult",
    "Member",
    "Message",
    "Poll",
    "RateLimits",
    "Role",
    "Sandbox",
    "SandboxUsageError",
    "User",
    "pointed_at",
    "running",
]
