"""The claim policy stage, for LLM answers: uncited sentences get the citation of the
passage sentence that supports them (``rag.answering.attach``), figures, dates and names
that no cited passage holds are found (``rag.answering.claims``), and the
``llm_unsupported`` setting decides: ``warn`` shows the answer with them, ``abstain``
answers that the corpus does not say, ``extractive`` answers with the extractive
answerer instead.  Extractive answers quote the corpus and pass through unchanged."""

from __future__ import annotations

from rag.answering.answerer import EXTRACTIVE, ExtractiveAnswerer, Query
from rag.answering.extractive import abstain_message
from rag.records import Answer, Hit


class ClaimPolicy:
    def __init__(self, extractive: ExtractiveAnswerer) -> None:
        self.extractive = extractive  # the fallback; it also holds the embedder, statistics and settings

    def apply(self, answer: Answer, query: Query, hits: list[Hit]) -> Answer:
        if answer.llm == EXTRACTIVE or answer.abstained:
            return answer
        from rag.answering.attach import attach_citations
        from rag.answering.claims import verify

        fallback = self.extractive
        s = fallback.settings
        text, citations, attached = attach_citations(answer.answer, answer.citations, hits, fallback.embedder,
                                                     fallback.stats, query.searched, s.tuning)
        found = verify(text, {c.n: c.text for c in citations}, [h.chunk.text for h in hits], query.searched,
                       lead=answer.short_answer or "")
        answer.answer, answer.citations, answer.attached_citations = text, citations, attached
        answer.ungrounded = not citations
        answer.unsupported_claims = found.unsupported
        if not found.unsupported:
            answer.claim_check = "supported"
            return answer
        if s.llm_unsupported == "warn":
            answer.claim_check = "warned"
            return answer
        if s.llm_unsupported == "abstain":
            replaced = Answer(answer.question, abstain_message(answer.question), True, [], hits, llm=answer.llm)
        else:
            replaced = fallback.final(query, hits)
            replaced.llm = answer.llm
        replaced.unsupported_claims = found.unsupported
        replaced.claim_check = "abstained" if s.llm_unsupported == "abstain" else "extractive"
        replaced.llm_answer = answer.answer
        replaced.dropped_markers = answer.dropped_markers
        replaced.timings = answer.timings
        return replaced
