"""The prompt compiler: a shot's brief in, a provider-sized prompt out.

``load_brief(session, guild_id, shot_id)`` reads the brief; ``compile_prompt(brief, provider)``
writes the prompt, shortening deterministically without ever dropping a character's identity.
"""

from pipeline.prompts.brief import (
    CameraBrief,
    CharacterBrief,
    DialogueBrief,
    LocationBrief,
    ShotBrief,
    ShotNotFound,
    StyleBible,
    brief_from_record,
    load_brief,
)
from pipeline.prompts.compiler import (
    CompiledPrompt,
    PromptTooLong,
    compile_prompt,
    identity_floor,
    identity_parts,
)
from pipeline.prompts.limits import PROVIDER_PROMPT_CHARS, prompt_limit

__all__ = [
    "PROVIDER_PROMPT_CHARS",
    "CameraBrief",
    "CharacterBrief",
    "CompiledPrompt",
    "DialogueBrief",
    "LocationBrief",
    "PromptTooLong",
    "ShotBrief",
    "ShotNotFound",
    "StyleBible",
    "brief_from_record",
    "compile_prompt",
    "identity_floor",
    "identity_parts",
    "load_brief",
    "prompt_limit",
]
