"""Qualitative measures: did it happen? Each statement read with its modality and source.

A measure's `established` and `working` patterns find where a sentence speaks
of setting something up or of it working; what counts is what the clause
around the match says (evidence.modality): done, or (where the measure says
so) ongoing with a result. A match in a planned, conditional or negated
clause is kept to quote, never counted. On top of that, where the statement
comes from matters:
- a row of an attachment list, 目录 or 文件清单 names a document, it does not
  show what the document says (`listed`);
- a draft (征求意见稿) says what is being drafted, not what was issued (`draft`);
- a task table's row whose 完成时限 is after the period is a plan;
- for a measure about the region's own body or system, another level's is set
  aside (`other_region`, facts.subject);
- an official document dated long before the period, or after it, cannot back
  the measure alone (`stale`, facts.dates), and a later adjusting notice
  supersedes the earlier ones (`superseded`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from sxcheck.catalogue.loader import RuleSet
from sxcheck.catalogue.schema import Grade, ItemRule, MeasureRule
from sxcheck.evidence.modality import Clause, Modality, reader_for
from sxcheck.facts.dates import DocumentDates
from sxcheck.facts.guard import PlainPatterns, patterns_for
from sxcheck.facts.subject import SubjectCheck
from sxcheck.models import Evidence, Level, Sentence

_YEAR_MONTH = re.compile(r"(20\d\d)\s*(?:年|[.\-/])\s*(\d{1,2})?")


@dataclass
class QualitativeReading:
    """The sentences about a qualitative measure, by what they show."""

    established: list[Sentence] = field(default_factory=list)
    working: list[Sentence] = field(default_factory=list)
    planned: list[Sentence] = field(default_factory=list)  # planned, ongoing, conditional
    negated: list[Sentence] = field(default_factory=list)
    draft: list[Sentence] = field(default_factory=list)
    listed: list[Sentence] = field(default_factory=list)
    other_region: list[tuple[Sentence, str]] = field(default_factory=list)
    stale: list[tuple[Sentence, str]] = field(default_factory=list)  # all that backs it, stale
    superseded: list[Evidence] = field(default_factory=list)  # earlier, then the adjusting one
    graded: list[tuple[Grade, Sentence]] = field(default_factory=list)  # grades that count

    @property
    def found(self) -> bool:
        return bool(self.established or self.working or self.graded)


class QualitativeReader:
    """Reads qualitative measures for one submission (its level, names and period)."""

    def __init__(
        self,
        rules: RuleSet,
        level: Level,
        years: set[int] | None,
        region: str = "",
        parent: str | None = None,
    ):
        lexicon = rules.lexicon
        self.modality = reader_for(lexicon)
        # no year known (a unit test): no deadline is late and no document stale
        self.year = max(years) if years else None
        self.subject = SubjectCheck(lexicon.subject, level, region, parent)
        self.dates = DocumentDates(rules.defaults.staleness, rules.period, years) if years else None
        self.rule_statement = [re.compile(p) for p in lexicon.rule_statement]
        self.date = re.compile(lexicon.date)
        self.month = re.compile(lexicon.month)
        self.manner = re.compile(lexicon.modality.manner)
        self.basis = re.compile(lexicon.modality.basis)
        # "全年累计通报预警信息156条" in a dated report: the report's year (figures.this_year)
        this_year = lexicon.figures.this_year
        self.this_year = re.compile("|".join(f"(?:{w})" for w in this_year)) if this_year else None
        self.plan_kinds = set(lexicon.plan_kinds)
        self.deadline_column = re.compile(lexicon.figures.column_deadline)
        # a task row's status column (the same headers the modality reader reads a row by)
        self.state_column = re.compile(lexicon.modality.status_headers)
        self.done_state = re.compile(lexicon.row_done)

    def _said_all(
        self, sentence: Sentence, spans: list[tuple[int, int]], ongoing: bool
    ) -> tuple[Modality, str] | None:
        """What the matches say, with the cue: done when any match is said done (or ongoing,
        when it counts); else what the first says; None when nothing matched."""
        first: tuple[Modality, str] | None = None
        for start, end in spans:
            modality, cue = self.said(sentence, start, end)
            if modality == "done" or (ongoing and modality == "ongoing"):
                return "done", cue
            first = first or (modality, cue)
        return first

    def said(self, sentence: Sentence, start: int, end: int) -> tuple[Modality, str]:
        """The modality (and its cue) of what `text[start:end]` states.

        The cues before the span's end decide (evidence.modality `at`), unless the span
        is only a name and the predicate of the clause it ends in comes after it: "《…实施
        方案》已形成征求意见稿", "由县城投公司承担的平台运营业务自2024年起不再委托" are
        drafting and negated although nothing before the name says so. A span that carries
        its own done word ("已建成但尚未投入使用" at 已建成) keeps it, as does one that took in
        the cue (read by `at`). In a plan (a 规划, 方案 or
        计划 as its 文种), a clause that says nothing of its own is a task, not work done.
        """
        text = sentence.text
        clause = self.modality.at(text, start, end, self.year)
        modality, cue = clause.modality, clause.cue
        if modality == "done" and not self._says_done(text[start:end]):
            whole = self._clause_at(text, start, end)
            if whole is not None and whole.modality != "done" and self._cue_after(text, whole, end):
                modality, cue = whole.modality, whole.cue
        if (
            modality == "done"
            and self._no_cue(cue)
            and self._in_plan(sentence)
            and not self._basis(text, start, end)  # a document named as its basis is in force
        ):
            return "planned", ""
        return modality, cue

    def _basis(self, text: str, start: int, end: int) -> bool:
        """Does the span name a document the text rests on ("为贯彻落实《…发展规划》")?"""
        opens = [i for i in range(start, end) if text[i] == "《"]
        if start > 0 and text[start - 1] == "《":
            opens.append(start - 1)
        return any(self.basis.search(text[max(0, i - 12) : i + 1]) for i in opens)

    @staticmethod
    def _cue_after(text: str, clause: Clause, end: int) -> bool:
        """Does the clause's deciding cue come after the span (its predicate: "《…方案》已形成
        征求意见稿"), not inside it (a span that took in "负责" is read by `at`)?"""
        if not clause.cue:
            return False
        at = text.find(clause.cue, clause.start, clause.end)
        return at >= end or at < 0

    def _says_done(self, span: str) -> bool:
        return any(c.modality == "done" and c.cue for c in self.modality.clauses(span, self.year))

    def _clause_at(self, text: str, start: int, end: int) -> Clause | None:
        last = max(start, end - 1)
        for clause in self.modality.clauses(text, self.year):
            if clause.start <= last < clause.end:
                return clause
        return None

    def _no_cue(self, cue: str) -> bool:
        """No done word of its own: none, or one that says how (按期, modality.manner)."""
        return not cue or bool(self.manner.fullmatch(cue))

    def _in_plan(self, sentence: Sentence) -> bool:
        """A plan's sentence: of a document whose 文种 is a plan's, or named or titled as a
        plan (a 规划 is mostly issued by a notice, "关于印发…规划的通知": its 文种 is 通知)."""
        issued = sentence.issued
        return (issued is not None and (issued.kind or "") in self.plan_kinds) or sentence.in_plan

    def dated(self, sentence: Sentence) -> bool:
        """Does the sentence date what it reports: a year of its own, a month of a year its
        paragraph or its dated document gives ("2024年4月，…印发…预案。7月，…组织开展攻防
        演练"; "7月，…参加…攻防演练" in a 工作总结 dated 2024年12月), or this year's
        (figures.this_year: "全年累计通报预警信息156条") in a dated document?"""
        if self.date.search(sentence.text):
            return True
        issued = sentence.issued
        if self.this_year is not None and self.this_year.search(sentence.text):
            return bool(issued and issued.year)  # "全年…" of a report dated 2024年12月
        if not self.month.search(sentence.text):
            return False
        return bool(self.date.search(sentence.evidence.context or "") or (issued and issued.year))

    def of_clause(self, text: str, start: int, end: int) -> Modality:
        """The modality of the clause a name's predicate stands in: an option or a grade is
        named as a noun ("短信服务暂未开通", "供热智能化管理平台正在建设"), its verb after it,
        so the clause counts, not the words before the name. A match running over clauses
        ("供热平台建设项目已完成招标，预计2025年供暖季前投入使用") is read where it ends."""
        return self._predicate_clause(text, start, end).modality

    def _predicate_clause(self, text: str, start: int, end: int) -> Clause:
        """The clause `of_clause` reads (with the cue that decided it)."""
        clause = self._clause_at(text, start, end)
        if clause is not None:
            return clause
        return self.modality.at(text, start, end, self.year)

    def _named_said(self, sentence: Sentence, start: int, end: int) -> Modality:
        """`of_clause` of a name in a sentence: in a plan (or a report's plan section) a
        clause with no cue of its own is a task ("建设供热智能化管理平台" in a 规划), as
        `said` and `option_done` read it."""
        clause = self._predicate_clause(sentence.text, start, end)
        if clause.modality == "done" and self._no_cue(clause.cue) and self._in_plan(sentence):
            return "planned"
        return clause.modality

    def option_done(
        self, sentence: Sentence, start: int, end: int, names: Sequence[str] = ()
    ) -> bool:
        """Is the option named at text[start:end] said done (of_clause), and not merely a
        plan's task: in a plan (or a report's plan section) only a clause with a done cue
        of its own ("已实现网站、APP办理") says so. `names`: every option's names, so a
        negated clause after a cue-less one is read as its predicate only when it names
        none ("…客运站仍以窗口售票为主，尚未实现移动支付")."""
        clause = self._predicate_clause(sentence.text, start, end)
        if clause.modality != "done":
            return False
        if self._no_cue(clause.cue) and self._denied_after(sentence.text, clause.end, names):
            return False
        return not self._no_cue(clause.cue) or not self._in_plan(sentence)

    def _denied_after(self, text: str, end: int, names: Sequence[str]) -> bool:
        """Is a cue-less clause's statement carried on by a negated or planned clause that
        names nothing of its own ("县汽车客运站仍以窗口售票为主，尚未实现移动支付"): the
        option named before is what is not done."""
        stop = len(text)
        for mark in "；;。":
            at = text.find(mark, end)
            if at >= 0:
                stop = min(stop, at)
        for clause in self.modality.clauses(text, self.year):
            if clause.start < end or clause.start >= stop:
                continue
            said = text[clause.start : clause.end].lower()
            if any(name.lower() in said for name in names):
                return False  # the clause names an option of its own
            if clause.modality in ("negated", "planned"):
                return True
            if clause.modality == "done" and not self._no_cue(clause.cue):
                return False  # "…，已实现扫码支付": a done statement of its own
        return False

    def row_planned(self, sentence: Sentence) -> bool:
        """A task table's row whose deadline (完成时限) is after the period, with no cell saying
        it is done already: a plan, however its task is worded ("建成城市运行管理平台")."""
        if not sentence.cells or self.dates is None:
            return False
        for cell in sentence.cells:
            if self.state_column.search(cell.header) and self.done_state.search(cell.text):
                return False
        for cell in sentence.cells:
            if not self.deadline_column.search(cell.header):
                continue
            found = _YEAR_MONTH.search(cell.text)
            if found is None:
                continue
            year, month = int(found.group(1)), int(found.group(2) or 12)
            if (year, month) > (self.dates.end.year, self.dates.end.month):
                return True
        return False

    def read(
        self, item: ItemRule, measure: MeasureRule, mentions: list[Sentence]
    ) -> QualitativeReading:
        established_re = patterns_for(item.id, measure.established)
        working_re = patterns_for(item.id, measure.working)
        grades = [(grade, patterns_for(item.id, grade.any_of)) for grade in measure.grades]
        reading = QualitativeReading()
        for sentence in mentions:
            self._read_one(sentence, measure, established_re, working_re, reading)
            for grade, grade_re in grades:
                self._read_grade(sentence, measure, grade, grade_re.spans(sentence.text), reading)
        self._check_dates(reading)
        return reading

    def _read_one(
        self,
        sentence: Sentence,
        measure: MeasureRule,
        established_re: PlainPatterns,
        working_re: PlainPatterns,
        reading: QualitativeReading,
    ) -> None:
        est_spans = established_re.spans(sentence.text)
        work_spans = (
            working_re.spans(sentence.text)
            if not any(p.search(sentence.text) for p in self.rule_statement)
            and (not measure.working_needs_date or self.dated(sentence))
            else []
        )
        if not est_spans and not work_spans:
            return
        ongoing = measure.ongoing_counts
        est_said = self._said_all(sentence, est_spans, ongoing)
        work_said = self._said_all(sentence, work_spans, ongoing)
        established = est_said[0] if est_said else None
        working = work_said[0] if work_said else None
        if established != "done" and working != "done":
            # a report's "《…方案》已形成征求意见稿" is drafting under way: planned, like
            # 正在编制 (only a draft document itself gives draft_only: facts.qualitative_fact)
            blocked = (est_said or work_said or ("planned", ""))[0]
            (reading.negated if blocked == "negated" else reading.planned).append(sentence)
            return
        done_spans = [
            span
            for spans, modality in ((est_spans, established), (work_spans, working))
            if modality == "done"
            for span in spans
        ]
        aside = self._set_aside(sentence, measure, done_spans)
        if aside is None:
            if established == "done":
                reading.established.append(sentence)
            if working == "done":
                reading.working.append(sentence)
        else:
            _put_aside(reading, sentence, aside)

    def _read_grade(
        self,
        sentence: Sentence,
        measure: MeasureRule,
        grade: Grade,
        spans: list[tuple[int, int]],
        reading: QualitativeReading,
    ) -> None:
        """A graded measure (3.3.2): the grade counts only where its words are done."""
        if not spans:
            return
        said = [self._named_said(sentence, start, end) for start, end in spans]
        ongoing = measure.ongoing_counts
        modality = next((m for m in said if m == "done" or (ongoing and m == "ongoing")), said[0])
        modality = "done" if ongoing and modality == "ongoing" else modality
        aside = self._set_aside(sentence, measure, spans) if modality == "done" else None
        if modality != "done":
            (reading.negated if modality == "negated" else reading.planned).append(sentence)
        elif aside is None:
            reading.graded.append((grade, sentence))
        else:
            _put_aside(reading, sentence, aside)

    def _set_aside(
        self, sentence: Sentence, measure: MeasureRule, spans: list[tuple[int, int]]
    ) -> str | None:
        """Why a done statement does not count: "listed" (an attachment list's row),
        "draft", "planned" (a task row due after the period), or the qualifier naming
        another level's body or system; None when it counts."""
        if sentence.listing:
            return "listed"
        issued = sentence.issued
        if issued is not None and issued.draft:
            return "draft"  # what a draft says done is drafted, not issued (its tasks: _in_plan)
        if self.row_planned(sentence):
            return "planned"
        if measure.own_region:
            text = sentence.text
            denied = [
                (c.start, c.end)
                for c in self.modality.clauses(text, self.year)
                if c.modality == "negated"
            ]
            return self.subject.other_level(text, spans, denied)
        return None

    def _check_dates(self, reading: QualitativeReading) -> None:
        """Stale when every document backing the measure is; an adjusting notice supersedes."""
        backing = [*reading.established, *reading.working]
        if not backing or self.dates is None:
            return
        adjusting = [s for s in reading.established if s.issued and s.issued.adjusts]
        for later in adjusting:
            earlier = [
                s
                for s in reading.established
                if s.evidence.document != later.evidence.document
                and DocumentDates.later(later.issued, s.issued)
            ]
            if earlier:
                reading.superseded = [*(s.evidence for s in earlier), later.evidence]
                break
        dates = self.dates
        stale = [(s, dates.stale(s.issued)) for s in backing]
        if all(why is not None for _, why in stale):
            reading.stale = [(s, why) for s, why in stale if why is not None]


def _put_aside(reading: QualitativeReading, sentence: Sentence, aside: str) -> None:
    """Keep a done statement that does not count under its reason (QualitativeReader._set_aside)."""
    if aside == "listed":
        reading.listed.append(sentence)
    elif aside == "draft":
        reading.draft.append(sentence)
    elif aside == "planned":
        reading.planned.append(sentence)
    else:
        reading.other_region.append((sentence, aside))
