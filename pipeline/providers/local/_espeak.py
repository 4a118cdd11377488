"""espeak-ng through ctypes, from the ``espeakng-loader`` wheel (library and voice data inside).

No apt package at run time. Each line is spoken in a short-lived child process
(:func:`speak`): the library keeps state between calls that ``espeak_Initialize`` does not
reset, so in one long-lived process the same line comes out slightly different each time, and a
take redone after a crash would not match. A fresh process is deterministic, crash-isolated, and
costs about 0.1 s. This file is that child's script too: it imports nothing of ours.
"""

from __future__ import annotations

import asyncio
import ctypes
import hashlib
import json
import re
import struct
import sys
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

AUDIO_OUTPUT_SYNCHRONOUS = 2
POS_CHARACTER = 1
ESPEAK_CHARS_UTF8 = 1
ESPEAK_RATE, ESPEAK_VOLUME, ESPEAK_PITCH, ESPEAK_RANGE = 1, 2, 3, 4

LANGUAGES = {"en": "en-us", "en-us": "en-us", "en-gb": "en", "fr": "fr", "fr-fr": "fr",
             "fr-be": "fr-be", "fr-ch": "fr-ch"}  # fmt: skip
VARIANTS = tuple(f"m{i}" for i in range(1, 8)) + tuple(f"f{i}" for i in range(1, 6))

_SynthCallback = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)


class EspeakError(RuntimeError):
    pass


@dataclass(frozen=True)
class VoiceSpec:
    """How one character sounds: espeak language, variant and prosody."""

    language: str
    variant: str
    pitch: int  # 0-100, espeak default 50
    rate: int  # words per minute, default 175
    range: int  # pitch range 0-100, default 50

    @property
    def espeak_name(self) -> str:
        return f"{self.language}+{self.variant}"


_ADJECTIVES = {
    "deep": ("pitch", -18), "low": ("pitch", -12), "high": ("pitch", 15), "child": ("pitch", 25),
    "old": ("rate", -25), "slow": ("rate", -30), "fast": ("rate", 35), "quick": ("rate", 25),
    "calm": ("range", -20), "flat": ("range", -30), "lively": ("range", 25),
    "grave": ("pitch", -15), "aigu": ("pitch", 15), "lent": ("rate", -30), "rapide": ("rate", 30),
}  # fmt: skip


def voice_spec(voice: str, language: str | None = None) -> VoiceSpec:
    """A character's voice string ("en-f1", "fr-m2", "deep slow", an ElevenLabs id) to a spec.

    What the string names wins (language, variant, adjectives); what it leaves open is derived
    from its hash, so two characters with different voice strings sound different, and the same
    character sounds the same in every take.
    """
    text = (voice or "").strip().lower()
    digest = hashlib.sha256(text.encode()).digest()
    tokens = [t for t in re.split(r"[\s_+/,;]+", text) if t]
    lang = None
    variant = None
    for token in tokens:
        parts = token.split("-")
        for i in range(len(parts), 0, -1):
            if "-".join(parts[:i]) in LANGUAGES and lang is None:
                lang = LANGUAGES["-".join(parts[:i])]
                parts = parts[i:]
                break
        for part in parts:
            if re.fullmatch(r"[mf][1-8]", part) and variant is None:
                variant = part
    if language:
        lang = LANGUAGES.get(language.lower(), LANGUAGES.get(language.lower()[:2], lang))
    pitch = 35 + digest[1] % 31  # 35..65
    rate = 150 + digest[2] % 41  # 150..190
    rng_ = 40 + digest[3] % 31
    for token in tokens:
        if token in _ADJECTIVES:
            what, delta = _ADJECTIVES[token]
            if what == "pitch":
                pitch += delta
            elif what == "rate":
                rate += delta
            else:
                rng_ += delta
    if variant is None:
        if "female" in tokens or "femme" in tokens or "woman" in tokens:
            variant = f"f{1 + digest[0] % 5}"
        elif "male" in tokens or "homme" in tokens or "man" in tokens:
            variant = f"m{1 + digest[0] % 7}"
        else:
            variant = VARIANTS[digest[0] % len(VARIANTS)]
    return VoiceSpec(
        language=lang or "en-us",
        variant=variant,
        pitch=max(0, min(100, pitch)),
        rate=max(80, min(400, rate)),
        range=max(0, min(100, rng_)),
    )


class _Engine:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._lib: ctypes.CDLL | None = None
        self.sample_rate = 0

    def _load(self, library: str | None = None, data: str | None = None) -> ctypes.CDLL:
        if self._lib is not None:
            return self._lib
        if library is None or data is None:
            library, data = wheel_paths()
        lib = ctypes.CDLL(library)
        data_dir = Path(data)
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        rate = lib.espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, str(data_dir.parent).encode(), 0)
        if rate <= 0:
            raise EspeakError(f"espeak-ng failed to initialise with data at {data_dir}")
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_Synth.argtypes = [
            ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint,
            ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p,
        ]  # fmt: skip
        lib.espeak_SetSynthCallback.argtypes = [_SynthCallback]
        self.sample_rate = rate
        self._lib = lib
        return lib

    def synthesize(
        self, text: str, spec: VoiceSpec, library: str | None = None, voices: str | None = None
    ) -> tuple[bytes, int]:
        """Mono signed 16-bit PCM of ``text`` and its sample rate (blocking)."""
        with self._lock:
            lib = self._load(library, voices)
            pcm = bytearray()

            def collect(wav: ctypes._Pointer[ctypes.c_short], count: int, _events: int) -> int:
                if wav and count > 0:
                    pcm.extend(ctypes.string_at(wav, count * 2))
                return 0

            callback = _SynthCallback(collect)  # kept alive for the call's duration
            lib.espeak_SetSynthCallback(callback)
            if lib.espeak_SetVoiceByName(spec.espeak_name.encode()) != 0 and (
                lib.espeak_SetVoiceByName(spec.language.encode()) != 0
            ):
                raise EspeakError(f"espeak-ng has no voice {spec.espeak_name}")
            lib.espeak_SetParameter(ESPEAK_RATE, spec.rate, 0)
            lib.espeak_SetParameter(ESPEAK_PITCH, spec.pitch, 0)
            lib.espeak_SetParameter(ESPEAK_RANGE, spec.range, 0)
            lib.espeak_SetParameter(ESPEAK_VOLUME, 100, 0)
            data = text.encode("utf-8") + b"\0"
            buf = ctypes.create_string_buffer(data)
            status = lib.espeak_Synth(buf, len(data), 0, POS_CHARACTER, 0, ESPEAK_CHARS_UTF8,
                                      None, None)  # fmt: skip
            if status != 0:
                raise EspeakError(f"espeak_Synth failed with status {status}")
            lib.espeak_Synchronize()
            return bytes(pcm), self.sample_rate


_engine = _Engine()
_SCRIPT = str(Path(__file__).resolve())


def wheel_paths() -> tuple[str, str]:
    """The espeak-ng library and its voice data, both inside the ``espeakng-loader`` wheel."""
    import espeakng_loader

    return espeakng_loader.get_library_path(), espeakng_loader.get_data_path()


def synthesize(text: str, spec: VoiceSpec) -> tuple[bytes, int]:
    """In this process (blocking). See the module doc for why :func:`speak` is preferred."""
    return _engine.synthesize(text, spec)


async def speak(text: str, spec: VoiceSpec, *, timeout_s: float = 60.0) -> tuple[bytes, int]:
    """Mono 16-bit PCM of ``text`` and its sample rate, spoken in a fresh child process."""
    proc = await asyncio.create_subprocess_exec(
        # -I -S: no site-packages scan, so the child starts in a few milliseconds.
        sys.executable, "-I", "-S", _SCRIPT,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    library, data = wheel_paths()
    request = json.dumps(
        {"text": text, "spec": asdict(spec), "library": library, "data": data}
    ).encode()
    try:
        async with asyncio.timeout(timeout_s):
            out, err = await proc.communicate(request)
    except BaseException:
        if proc.returncode is None:
            proc.kill()
            await asyncio.shield(proc.wait())
        raise
    if proc.returncode != 0 or len(out) < 4:
        reason = err.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
        raise EspeakError(f"espeak-ng child failed (rc={proc.returncode}): {reason[0]}")
    (rate,) = struct.unpack("<I", out[:4])
    return out[4:], rate


def _child() -> None:
    request = json.loads(sys.stdin.buffer.read())
    pcm, rate = _engine.synthesize(
        request["text"], VoiceSpec(**request["spec"]), request["library"], request["data"]
    )
    sys.stdout.buffer.write(struct.pack("<I", rate) + pcm)
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    _child()
