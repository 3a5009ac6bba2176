"""Evidence: text units -> quotable sentences with their quantities."""

from __future__ import annotations

from sxcheck.evidence.quantities import find_quantities
from sxcheck.ingest.layout import split_sentences
from sxcheck.models import Evidence, Sentence, TextUnit


def sentences_of(units: list[TextUnit]) -> list[Sentence]:
    """Split paragraphs into sentences; a table or sheet row is one sentence.

    The quote of each sentence is its exact text, so it can always be found
    again in the document's (line-joined) text.
    """
    out: list[Sentence] = []
    for unit in units:
        parts = [unit.text] if unit.kind != "paragraph" else split_sentences(unit.text)
        for part in parts:
            evidence = Evidence(
                document=unit.document,
                sha256=unit.sha256,
                page=unit.page,
                location=unit.location,
                quote=part,
                context=unit.text if unit.text != part else None,
            )
            out.append(
                Sentence(
                    evidence=evidence,
                    text=part,
                    context=unit.context,
                    kind=unit.kind,
                    quantities=find_quantities(part),
                )
            )
    return out
