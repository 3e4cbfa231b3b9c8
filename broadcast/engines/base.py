"""The one interface every speech engine implements, and the errors that drive fallback."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

Samples = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Audio:
    """Mono float32 samples in [-1, 1]."""

    samples: Samples
    sample_rate: int

    @property
    def duration(self) -> float:
        return len(self.samples) / self.sample_rate if self.sample_rate else 0.0


@dataclass(frozen=True)
class VoiceOptions:
    """What staff can tune: the voice name (engine-specific), speaking rate in percent, pitch in Hz."""

    voice: str | None = None
    rate: int = 0
    pitch: int = 0


class EngineError(Exception):
    """The engine could not speak this text (bad voice, broken model). Not retried, not a reason to fall back."""


class EngineUnavailable(EngineError):
    """The engine cannot be reached or loaded right now; the caller falls back to the next engine."""


class TtsEngine(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def voices(self) -> tuple[str, ...]: ...

    @property
    def default_voice(self) -> str: ...

    async def synthesize(self, text: str, options: VoiceOptions) -> Audio:
        """Speak one chunk of already-normalised text."""
        ...
