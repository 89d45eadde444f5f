"""What every store records about an index, and what a build reports.

A store's manifest names the settings the index was built with and each source file's
content hash; the next build diffs the corpus against it (:func:`corpus_diff`), so only
new and changed files are embedded again, whichever store holds the vectors.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path, PurePosixPath
from typing import Any, Callable

from rag.config import Settings
from rag.embeddings import Embedder
from rag.errors import RagError
from rag.ingest.loader import Document, Skipped, check_corpus_folder

FORMAT_VERSION = 3  # 2: sentence vectors; 3: a checksum per data file, page/heading per chunk

Progress = Callable[[int, int], None]  # (chunks done, chunks to do)


@dataclass(frozen=True)
class FileEntry:
    sha256: str
    encoding: str
    chunks: int


@dataclass(frozen=True)
class Manifest:
    format: int
    embedding: str
    dim: int
    chunk_size: int
    chunk_overlap: int
    index_type: str
    files: dict[str, FileEntry]
    built_at: str
    sizes: dict[str, int] = field(default_factory=dict)  # bytes per data file, to catch truncation
    resolved_index_type: str = "flat"  # what "auto" chose
    checksums: dict[str, str] = field(default_factory=dict)  # xxh3-64 hex per data file
    corpus: str = ""  # the folder it was built from, absolute ("" in indexes built before this was recorded)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Manifest:
        files = {k: FileEntry(**v) for k, v in data.pop("files").items()}
        # Fields a later version added are skipped, so an older rag still reads its index
        # (a change it could not read raises FORMAT_VERSION instead).
        known = {f.name for f in fields(cls)}
        return cls(files=files, **{k: v for k, v in data.items() if k in known})

    @property
    def chunks(self) -> int:
        return sum(f.chunks for f in self.files.values())


def check_compatible(manifest: Manifest, settings: Settings, embedder: Embedder, root: Path) -> None:
    """Refuse an index whose vectors or chunks would not match what queries assume."""
    if manifest.embedding != embedder.name:
        raise RagError(f"index at {root} was built with embedding {manifest.embedding!r} but settings "
                       f"use {embedder.name!r}: run `rag index` to rebuild it")
    if manifest.dim != embedder.dim:  # one name, another model behind it (a server's, say)
        source = f" from {embedder.where}" if hasattr(embedder, "where") else ""
        raise RagError(f"index at {root} was built with {manifest.dim}-dimensional vectors but embedding "
                       f"{embedder.name!r}{source} now gives {embedder.dim}: run `rag index` to rebuild it")
    if (manifest.chunk_size, manifest.chunk_overlap) != (settings.chunk_size, settings.chunk_overlap):
        raise RagError(f"index at {root} was built with chunk size {manifest.chunk_size}/"
                       f"{manifest.chunk_overlap} but settings use {settings.chunk_size}/"
                       f"{settings.chunk_overlap}: run `rag index` to rebuild it")


def check_corpus(manifest: Manifest, corpus: Path, root: Path) -> None:
    """Refuse to answer for a corpus folder the index was not built from.

    Rebuilding instead would replace another folder's index unasked (and take seconds to
    minutes on the ask path); this is the same one line as for an index of another
    embedding.  An index whose folder has moved with it (a copied checkout), or that was
    built before the folder was recorded, is recognised by its files: the folder asked
    for holds every file the index lists.  Files changed since the build do not refuse
    it: updating is ``rag index``'s work, as for any stale index."""
    check_corpus_folder(corpus)
    if manifest.corpus == str(corpus):
        return
    absent = next((source for source in manifest.files if not _holds(corpus, source)), None)
    if absent is None and manifest.files:
        return
    built_from = (f"{manifest.corpus}, not from {corpus}" if manifest.corpus
                  else f"another folder than {corpus} ({absent} is not in it)")
    raise RagError(f"index at {root} was built from {built_from}: rebuild it from {corpus} with "
                   "`rag index`, or give that folder an index of its own (--index)")


def _holds(corpus: Path, source: str) -> bool:
    """Whether the index source ``"docs/a.txt"`` names a file in ``corpus`` (named ``docs``)."""
    parts = PurePosixPath(source).parts
    return len(parts) > 1 and parts[0] == corpus.name and os.path.isfile(corpus.joinpath(*parts[1:]))


@dataclass(frozen=True)
class CorpusDiff:
    """The corpus against the live index's files, by content hash; each list sorted."""

    added: list[str]
    changed: list[str]
    removed: list[str]
    unchanged: list[str]

    @property
    def any(self) -> bool:
        return bool(self.added or self.changed or self.removed)


def corpus_diff(old_files: dict[str, FileEntry], docs: list[Document]) -> CorpusDiff:
    current = {d.source: d.sha256 for d in docs}
    changed = sorted(s for s in current if s in old_files and old_files[s].sha256 != current[s])
    return CorpusDiff(added=sorted(s for s in current if s not in old_files),
                      changed=changed,
                      removed=sorted(s for s in old_files if s not in current),
                      unchanged=sorted(s for s in current if s in old_files and s not in changed))


@dataclass
class BuildReport:
    files: int
    chunks: int
    seconds: float
    added: list[str]
    changed: list[str]
    removed: list[str]
    unchanged: list[str]
    skipped: list[Skipped]
    embedded_chunks: int
    up_to_date: bool = False
    embedded_sentences: int = 0
    cached_sentences: int = 0  # vectors taken from the block cache (an interrupted build, or repeated text)
    repaired: str = ""  # why the live index was rebuilt from scratch (it failed verification)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["skipped"] = [asdict(s) for s in self.skipped]
        return data


# Every file a version folder of either store holds (rag.stores.faiss.DATA_FILES, the
# Milvus version files, the manifest).
VERSION_FILES = frozenset(("manifest.json", "chunks.jsonl", "vectors.npy", "dense.faiss", "bm25.npz",
                           "bm25_vocab.json", "sentence_vectors.npy", "sentences.npz", "milvus.json",
                           "chunk_ids.npy"))


def is_version_folder(path: Path) -> bool:
    """Whether ``path`` is a version folder an index build wrote (``v-*`` for FAISS, ``m-*``
    for Milvus): a real folder holding only the files a build writes there, damaged or
    not (a damaged version is rebuilt, then deleted).  A folder of the same name made by
    anyone else (a user's ``v-important/``) is not, and no build deletes it."""
    if not (path.name.startswith(("v-", "m-")) and path.is_dir() and not path.is_symlink()):
        return False
    try:
        names = {entry.name for entry in os.scandir(path)}
    except OSError:
        return False
    return bool(names) and names <= VERSION_FILES
