"""How long a prompt each provider takes, in characters.

Figures come from shared/reference/providers.md where it states one (Runway ``promptText`` <= 1000
UTF-16 units, Kling <= 2500, MiniMax <= 2000); elsewhere they are conservative guesses, noted below.
Our own compiled prompt is mostly ASCII, so characters ~ UTF-16 units.

| provider        | chars | why                                                              |
|-----------------|-------|------------------------------------------------------------------|
| veo             | 4000  | Gemini API prompts ~1,024 tokens (~4 chars/token); no stated cap |
| luma            | 2000  | no documented cap; Ray prompts past ~2k chars add nothing        |
| runway          | 1000  | documented: promptText <= 1000 UTF-16 code units                 |
| fal             | 2000  | depends on the model; 2k fits the video models we route there    |
| replicate       | 2000  | depends on the model; same as fal                                |
| bfl             | 2000  | FLUX T5 encoder reads ~512 tokens                                |
| kling           | 2500  | documented                                                       |
| minimax         | 2000  | documented [2nd]                                                 |
| sync            | 1000  | lip-sync takes little or no text                                 |
| elevenlabs      | 5000  | voice lines are sent separately; this is only for provenance     |
| facefusion      | 1000  | no prompt; provenance only                                       |
| local*          | 8000  | our own animatic: no limit but the Take.compiled_prompt column   |
| (none / other)  | 2000  | the safe default                                                 |
"""

from __future__ import annotations

DEFAULT_PROMPT_CHARS = 2000
LOCAL_PROMPT_CHARS = 8000

PROVIDER_PROMPT_CHARS: dict[str, int] = {
    "veo": 4000,
    "luma": 2000,
    "runway": 1000,
    "fal": 2000,
    "replicate": 2000,
    "bfl": 2000,
    "kling": 2500,
    "minimax": 2000,
    "sync": 1000,
    "elevenlabs": 5000,
    "facefusion": 1000,
}


def prompt_limit(provider: str | None) -> int:
    if provider is None:
        return DEFAULT_PROMPT_CHARS
    name = provider.lower()
    if name.startswith("local"):
        return LOCAL_PROMPT_CHARS
    return PROVIDER_PROMPT_CHARS.get(name, DEFAULT_PROMPT_CHARS)
