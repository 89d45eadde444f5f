"""The library's front door: open an index, then ask, stream or evaluate (re-exported by :mod:`rag`).

    import rag
    index = rag.open_index("my-docs")              # builds the index the first time
    answer = rag.ask(index, "入场门票是多少钱？")      # an Answer with Citations
    for event in rag.stream(index, "…"): …         # Retrieved, then Deltas, then Done

These are thin: the work is in :mod:`rag.indexing.handle`, :mod:`rag.pipeline` and :mod:`rag.evaluate`,
which the CLI and the web app call too, so the library cannot answer differently.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from rag.config import load_settings
from rag.evaluate import Question, evaluate, read_questions
from rag.indexing.handle import Handle, open_handle
from rag.pipeline import ask
from rag.retrieve.retriever import Mode


def open_index(corpus: str | Path | None = None, index: str | Path | None = None, *, build: bool = True,
               **settings: Any) -> Handle:
    """The index of ``corpus`` at ``index`` (other settings by keyword, e.g. ``top_k=8``).

    Unset values come from ``rag.toml`` and ``RAG_*`` variables, as for the CLI.  With
    ``build`` (the default) a missing index is built first; an existing one is loaded as
    it is (call :func:`rag.indexing.handle.rebuild` to update it), and only for the corpus folder
    it was built from (another folder is a :class:`RagError`).  The handle is cached per process.
    """
    paths = {"corpus": Path(corpus) if corpus is not None else None,
             "index": Path(index) if index is not None else None}
    return open_handle(load_settings({**settings, **paths}), build_if_missing=build)


def evaluate_questions(handle: Handle, questions: str | Path | Sequence[Question], *,
                       mode: Mode = "hybrid") -> dict[str, Any]:
    """Score retrieval, citations and abstention on a question file (or parsed questions), as ``rag eval``.

    Each question retrieves the handle's ``top_k`` passages: MRR@10 needs ten
    (``handle.with_settings(top_k=rag.evaluate.EVAL_DEPTH)``, as ``rag eval`` does unless given ``-k``)."""
    if isinstance(questions, (str, Path)):
        questions = read_questions(Path(questions))
    return evaluate(list(questions), lambda q: ask(handle, q, mode=mode))
