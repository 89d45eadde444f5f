"""rag: ask a folder of documents questions, get answers whose every sentence cites its passage.

    import rag
    index = rag.open_index("my-docs")
    answer = rag.ask(index, "业界认为入场门票是多少钱？")
    print(answer.answer, [(c.n, c.source, c.start, c.end) for c in answer.citations])

The pipeline runs one way: ``loader`` → ``chunker`` → ``embeddings`` → ``store``
(index on disk) → ``retriever`` → ``answer``/``llm`` → ``qa`` (the library call) →
``cli`` / ``webapp`` (thin shells).  The names below are the public API; they are
imported on first use (module ``__getattr__``), so ``import rag`` and ``rag --help``
load nothing heavy (no numpy, torch, gradio or LangChain).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# Public name → the module that defines it.
_EXPORTS: dict[str, str] = {
    "open_index": "rag.api",
    "evaluate_questions": "rag.api",
    "ask": "rag.pipeline",
    "stream": "rag.pipeline",
    "Turn": "rag.records",
    "Retrieved": "rag.pipeline",
    "Delta": "rag.pipeline",
    "Done": "rag.pipeline",
    "Event": "rag.pipeline",
    "Reader": "rag.pipeline",
    "Answer": "rag.records",
    "Citation": "rag.records",
    "Passage": "rag.records",
    "Hit": "rag.records",
    "Handle": "rag.indexing.handle",
    "Settings": "rag.config",
    "load_settings": "rag.config",
    "RagError": "rag.errors",
}

__all__ = [
    "__version__", "open_index", "evaluate_questions", "ask", "stream", "Turn", "Retrieved", "Delta", "Done",
    "Event", "Reader", "Answer", "Citation", "Passage", "Hit", "Handle", "Settings", "load_settings", "RagError",
]

if TYPE_CHECKING:
    from rag.api import evaluate_questions, open_index
    from rag.config import Settings, load_settings
    from rag.errors import RagError
    from rag.indexing.handle import Handle
    from rag.pipeline import Delta, Done, Event, Reader, Retrieved, Turn, ask, stream
    from rag.records import Answer, Citation, Hit, Passage


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'rag' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
