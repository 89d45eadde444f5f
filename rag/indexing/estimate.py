"""How long a build's embedding will take, measured before it starts.

Embedding is nearly all of a build's time, and its rate differs a hundredfold between
models and machines (e5 on 2 cores ~2 KB/s, USE ~10×, a GPU server far more), so no
constant would do: the build embeds its first batch of sentences, times it, and scales
by the characters left.  The batch is the build's own first batch (its vectors are kept,
nothing is embedded twice), of the size the embedder is called with during the build, so
e5's worker threads and a server's concurrent requests are measured as the build uses them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

# Below this many characters to embed a build takes seconds with any model: no estimate.
MIN_CHARS = 20_000
# "More than a few minutes": the estimate then names the faster choices.
LONG_S = 180.0
MAX_SAMPLE = 256  # sentences timed at most


@dataclass(frozen=True)
class Estimate:
    embedding: str  # the embedder's name
    chars: int  # characters of the sentences this build embeds
    sentences: int
    sample_chars: int
    sample_seconds: float
    faster: tuple[str, ...] = ()

    @property
    def chars_per_s(self) -> float:
        return self.sample_chars / max(self.sample_seconds, 1e-6)

    @property
    def seconds(self) -> float:
        return self.chars / self.chars_per_s

    @property
    def long(self) -> bool:
        return self.seconds > LONG_S

    def line(self) -> str:
        """One line for the terminal, before the progress bar."""
        text = (f"about {duration(self.seconds)} to embed {self.chars / 1000:,.0f} K characters "
                f"({self.sentences:,} sentences) at {self.chars_per_s / 1000:.1f} K characters/s, measured "
                f"with {self.embedding}")
        if self.long and self.faster:
            text += "; faster: " + "; ".join(self.faster)
        return text

    def as_dict(self) -> dict[str, float | int | str | list[str]]:
        return {"embedding": self.embedding, "chars": self.chars, "sentences": self.sentences,
                "chars_per_s": round(self.chars_per_s, 1), "seconds": round(self.seconds, 1),
                "faster": list(self.faster) if self.long else []}


def duration(seconds: float) -> str:
    """``40 s``, ``12 min``, ``3 h 20 min``: as precise as an estimate deserves."""
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} min"
    hours, minutes = divmod(round(seconds / 60), 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def faster_choices(embedding: str) -> tuple[str, ...]:
    """What would build faster than ``embedding`` (the embedder's name)."""
    if embedding.startswith(("openai:", "ollama:")):
        return ("raise embedding_concurrency if the server has capacity to spare, or use a server with a GPU",)
    choices = []
    if not embedding.startswith("use:"):
        choices.append("`--embedding use` (several times faster here, a little weaker on paraphrases)")
    choices.append("an embedding server on a GPU or a hosted API: embedding = \"openai:MODEL\" or "
                   "\"ollama:MODEL\" (README, \"Embeddings from a server\")")
    return tuple(choices)


def estimate(embedding: str, chars: int, sentences: int, first: list[str],
             embed: Callable[[list[str]], object]) -> Estimate | None:
    """Time ``embed`` on ``first`` (the build's first batch of sentences, after a one-text
    warm-up that loads the model or opens the connection) and extrapolate to ``chars``
    characters in all; None when the build is too small to be worth a word."""
    if chars < MIN_CHARS or len(first) < 2:
        return None
    embed(first[:1])
    sample = first[1 : 1 + MAX_SAMPLE]
    started = time.perf_counter()
    embed(sample)
    seconds = time.perf_counter() - started
    return Estimate(embedding, chars, sentences, sum(map(len, sample)), seconds, faster_choices(embedding))
