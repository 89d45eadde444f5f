"""The one exception type users see.

Every failure a user can cause (bad input, missing corpus, stale index, unreachable
LLM) is raised as :class:`RagError` with a one-line message that says what to do.
The CLI and UI print ``str(err)`` and nothing else, so messages must stand alone.
"""


class RagError(Exception):
    """A user-facing error: its message is one line and names the fix."""


class IndexMissing(RagError):
    """No index has been built at the configured location yet."""


class QuestionRefused(RagError):
    """The question itself cannot be asked (empty, too long, not text): nothing was looked up."""
