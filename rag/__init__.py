"""rag: ask a folder of documents questions, get answers whose every sentence cites its passage.

The pipeline runs one way: ``loader`` → ``chunker`` → ``embeddings`` → ``store``
(index on disk) → ``retriever`` → ``answer``/``llm`` → ``qa`` (the library call) →
``cli`` / ``ui.py`` (thin shells).  Import from the submodules; this package imports
nothing heavy so that ``rag --help`` stays instant.
"""

__version__ = "0.1.0"
