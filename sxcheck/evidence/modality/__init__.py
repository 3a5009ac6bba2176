"""Modality: is a clause done, ongoing, planned, required by a rule, conditional or negated?

A qualitative item turns on whether something happened. The words that say so
live in `rules/lexicon.yaml` `modality` (with cases); this module holds only
the generic logic: where a clause ends, how far a cue's scope reaches
(a negation to the end of its clause, a plan over what follows it in its
statement), and double negation (无一未 is done).

API (fixed; issue 17):
- `ModalityReader(words).clauses(text, year=None) -> list[Clause]`
- `ModalityReader(words).at(text, start, end, year=None) -> Clause`: the
  modality of what `text[start:end]` says (e.g. where an item's pattern matched)
- `reader_for(lexicon)`: one compiled reader per lexicon.

How a text is read (one scan of one compiled pattern; `at()` reuses the scan of
the same text):

* every cue word of the lexicon is one alternative of a single pattern, with
  the clause and statement marks, 《titles》, written years and the look-alikes
  (read first, so 未来 or 无线 never reads as a negation);
* a clause's own cues decide it, the strongest first (`kinds.RANK`): conditional,
  negated, planned, required, ongoing, explicit done words, then the weak ones
  (a routine such as 每季度, a deadline or a later year, an earlier year);
* a clause without cues of its own takes the plan, rule or condition carried
  from an earlier clause of its statement ("到2025年，我市将构建…，建成…"); a
  clause with cues keeps its own reading when it is done or negated ("到2023年
  底，全市已建成…") and otherwise the stronger of its own and the carried one
  ("会议要求，各县区加快推进…" is required); a carried condition always governs
  ("如发生…时，未及时报告的…"). A clause deciding done ends the carry, as does a
  clause opening a new statement (一是…，二是…); a negation never carries;
* a clause ending in a heading mark ("下一步工作打算：") carries its plan over
  the list it heads, through ；and 一是/二是, to the end of the sentence;
* a subordinate clause (…后，…时，…前，) without cues reads as the plan, rule or
  condition of the clause it leads into ("平台上线后，将为…"); the clause after it
  stating what may or will follow is a procedure, conditional ("收到预警信息后，2小时
  内转发", "…完成后，平台可远程调节");
* work under way keeps its reading beside a deadline of another clause
  ("正在抓紧建设，力争2025年供暖季前投入使用": ongoing at 建设, planned at 投入使用);
* a table row (cells joined by `cell_mark`, each "header=value" or a value) is one
  clause: its status cell decides (进展情况=正在编制), else its cells' cues but a
  stated problem's (问题=…不符合); every span of it reads so;
* a written year is read against the evaluation year `year`: after it, or a
  deadline (…前) or target (到…) not before it, is a weak plan; up to it, a
  dated event (done); a range counts from its first year (2024—2025年供暖季);
  a base of comparison (较2020年) is nothing; without `year` only targets and
  deadlines are read;
* `at()` reads the cues of the span's clauses that stand before the span's end
  (before the span or inside it): "已建成但尚未投入使用" is done at 建成 and negated
  at 投入使用. A written year, a deadline or a condition speaks of its whole
  clause ("平台2025年6月底前投入使用" is planned at 平台 too); a project's stage
  word only of what stands before it ("平台项目已完成招标": ongoing at 平台 and for
  the clause, done at 已完成招标).

Speed: the cue pattern is compiled once per lexicon behind a lookahead of the
characters a cue can begin with (derived from the pattern itself), so a
position no cue can start at fails in one test; a scan is O(text length), and
`at()` on a text scanned before (the last 256 texts, up to 2M characters) is a
bisection into its clauses.

The package: `kinds` (the modalities, cue kinds and their ranks, the scanned spans),
`firsts` (the first-character filter of the scanner), `scanner` (the cue pattern and
what each token is: a cue, a dated year, a table row's deciding cell) and `scoping`
(`ModalityReader`: clauses, how far a cue reaches, carries, double readings, `at`).
"""

from sxcheck.evidence.modality.kinds import MODALITIES, Clause, Modality
from sxcheck.evidence.modality.scoping import ModalityReader, reader_for

__all__ = ["MODALITIES", "Clause", "Modality", "ModalityReader", "reader_for"]
