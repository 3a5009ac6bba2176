"""What one sentence says about one measure: which figures, and how they pair up.

Which part of a sentence speaks of the measure is facts.relevance's; here its figures
are read: a count pair, a percentage that is the measure's own, a value, and whether
a sentence states a declaration's figures.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from sxcheck.catalogue.schema import EvidencePattern
from sxcheck.evidence.quantities import CLASSIFIERS, decimals_shown
from sxcheck.facts.ocr import Folding, matching
from sxcheck.facts.periods import within_precision
from sxcheck.limits import MAX_PAIRED_COUNTS
from sxcheck.models import Evidence, Quantity, Sentence, TableCell


@dataclass
class Observation:
    """Figures a sentence states for a measure (any may be missing)."""

    sentence: Sentence
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    percent: Decimal | None = None
    percent_decimals: int = 0
    values: tuple[Quantity, ...] = ()
    rows: list[Evidence] = field(default_factory=list)
    # n/n read from "均已…"/"全部…" with one count: an inference, not a stated ratio; it
    # contradicts a declaration only when the text names what the numerator counts
    # ("45个系统已全部通过等级保护测评并完成整改"), not when it says something else of
    # all of them ("共12个，均已委托测评机构完成等级测评": tested, not passed)
    inferred: bool = False
    names_numerator: bool = True
    # the range the denominator's written precision stands for (82.36万户), if rounded
    denominator_range: tuple[Decimal, Decimal] | None = None
    # a percentage written as a bound ("九成以上": 90 and up), its low and high ends
    percent_range: tuple[Decimal | None, Decimal | None] | None = None
    # a table row read by its header (facts.tables): the cells the figures came from
    cells: list[TableCell] = field(default_factory=list)

    @property
    def quotes(self) -> list[Evidence]:
        """What to cite: the counted rows of a list, else the sentence."""
        return self.rows or [self.sentence.evidence]

    @property
    def sources(self) -> list[Evidence] | list[Sentence]:
        """What `quotes` are of, the sentence's evidence not built (facts.quotes.cite)."""
        return self.rows or [self.sentence]

    @property
    def ratio_percent(self) -> Decimal | None:
        if self.numerator is not None and self.denominator:
            return self.numerator / self.denominator * 100
        return self.percent


def is_not_done(text: str, not_done: list[re.Pattern[str]]) -> bool:
    return any(p.search(text) for p in not_done)


_OF = re.compile(r"中|其中|共|总|合计|之中")
_WITHIN = re.compile(r"(?:含|其中|包括)[^，,；;。\d]{0,10}$")
_TOTAL = re.compile(r"共|总数|合计|总计|总量")
# a year's addition ("全年新建基站1386个") or a per-head rate ("每万人拥有…27.6个"): never
# a part covered of a whole, nor the whole
_INCREMENT = re.compile(r"(?:新建|新增|新开通|新改建|新安装|新接入)[^，,；;。]{0,10}$")
_PER_HEAD = re.compile(r"每(?:万|千|百|十万)?(?:人|户|平方公里)[^，,；;。]{0,8}$")


def _added_or_per_head(text: str, q: Quantity) -> bool:
    before = text[max(0, q.start - 14) : q.start]
    return bool(_INCREMENT.search(before) or _PER_HEAD.search(before))


# the words before a count that is what is left of a whole, after its part: "其余9个"
_REST = re.compile(r"(?:其余|剩余|余下|其他|其它|另外)[^，,；;。\d]{0,4}$")


class Unhedged:
    """A `whole` phrase (lexicon.whole) that counts only where no hedge word stands
    before it in its clause: "实现全覆盖" says all, "城区基本实现光纤宽带全覆盖" does not
    (lexicon.whole_hedges). Searched like a compiled pattern."""

    def __init__(self, pattern: str, hedges: list[str]) -> None:
        self.pattern = re.compile(pattern)
        self.hedge = re.compile("|".join(map(re.escape, hedges))) if hedges else None

    def search(self, text: str) -> re.Match[str] | None:
        for found in self.pattern.finditer(text):
            start = max(text.rfind(mark, 0, found.start()) for mark in "，,；;。") + 1
            if self.hedge is None or not self.hedge.search(text, start, found.start()):
                return found
        return None


def _same_unit(a: Quantity, b: Quantity) -> bool:
    """Could these two be a part and its whole? Same unit, a bare number, or two classifiers."""
    if a.unit == b.unit or a.unit is None or b.unit is None:
        return True
    return a.unit in CLASSIFIERS and b.unit in CLASSIFIERS


def _pair_by_cue(text: str, counts: list[Quantity]) -> tuple[Decimal, Decimal] | None:
    """Pair two counts of one unit by wording: "A中已有B", "共A个，其中B个", "B/A"."""
    for first, second in zip(counts, counts[1:], strict=False):
        if not _same_unit(first, second):
            continue  # "一万吨标准煤以上的单位共四十二家": 吨 and 家 are not a part and a whole
        between = text[first.end : second.start]
        if between.strip() in ("/", "／"):
            return first.value, second.value
        if _REST.search(between):
            # "已有84处实现覆盖，其余2处计划2026年补点": the rest, not a part of the first
            return first.value, first.value + second.value
        if _OF.search(between) and second.value <= first.value:
            return second.value, first.value
        before = text[max(0, first.start - 3) : first.start]
        if _TOTAL.search(before) and second.value <= first.value:
            return second.value, first.value  # "站点共180个，已安装电子站牌95块"
    return None


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}


def _names_numerator(text: str, roles: tuple[str, str]) -> bool:
    """Does the text name what the numerator counts beyond the whole ("通过…整改合格"
    of "通过等保测评并整改合格的系统数" over "系统总数")? Two of its own word pairs."""
    numerator, denominator = roles
    own = _bigrams(numerator) - _bigrams(denominator)
    return not own or len(own & _bigrams(text)) >= 2


def _by_role(
    text: str, first: Quantity, second: Quantity, roles: tuple[str, str]
) -> tuple[Decimal, Decimal]:
    """Order two levels as (numerator, denominator) by the words just before each.

    "新能源汽车8.2万辆，建成充电桩2.8万台" for 桩车比例 (充电桩数量 / 新能源汽车数量):
    the figure after 充电桩 is the numerator although it is mentioned second.
    """
    numerator_words, denominator_words = (_bigrams(r) for r in roles)

    def leaning(q: Quantity, previous_end: int) -> int:
        before = _bigrams(text[max(previous_end, q.start - 10) : q.start])
        return len(before & numerator_words) - len(before & denominator_words)

    if leaning(first, 0) < leaning(second, first.end):
        return second.value, first.value
    return first.value, second.value


def _pair_by_size(
    text: str, counts: list[Quantity], bounded: bool, roles: tuple[str, str] = ("", "")
) -> tuple[Decimal, Decimal] | None:
    """Two counts of one unit and no wording to pair them.

    For a part of a whole the part is the smaller; for a ratio of two levels
    (not bounded by 1: "从业企业…38件，全市…12件") the order of mention follows
    the definition, numerator first.
    """
    if len(counts) != 2 or not _same_unit(counts[0], counts[1]):
        return None
    if bounded and counts[0].unit != counts[1].unit:
        # a part and its whole are counted alike; with no wording pairing them,
        # "进驻部门42个，1455项事项实现…" are counts of two things
        return None
    if "、" in text[counts[0].end : counts[1].start]:
        return None  # "停车场168个、泊位5.6万个": an enumeration of different things
    if any(_added_or_per_head(text, q) for q in counts):
        # "全年新建基站1386个，累计达到8912个", "新增端口2.1万个，完成改造小区317个": a
        # year's addition is no part covered of a whole, nor a whole
        return None
    if not bounded:
        return _by_role(text, counts[0], counts[1], roles)
    low, high = sorted(q.value for q in counts)
    if high == 0 or low / high < Decimal("0.01"):
        return None  # magnitudes this far apart are not a part and its whole
    return low, high


def anchor(pattern: EvidencePattern, text: str, fold: Callable[[str], str] | None = None) -> int:
    """Where the measure's most specific wording starts: the latest first-match of any group.

    In "立案率97.9%，派遣正确率99.3%" the percentage that belongs to 派遣正确率 is
    the first one after that word. `fold` (an OCR sentence's, with the pattern
    folded alike) keeps positions: it replaces one character by one.
    """
    lowered = (fold(text) if fold else text).lower()
    starts = []
    for group in pattern.all_of:
        found = [lowered.find(w.lower()) for w in group if w.lower() in lowered]
        if found:
            starts.append(min(found))
    return max(starts) if starts else 0


_CLAUSE_END = re.compile(r"[，,；;。：:]")


def _own_percent(
    percents: list[Quantity], text: str, position: int, pattern: EvidencePattern | None = None
) -> Quantity | None:
    """The percentage that belongs to the measure named at `position`.

    The first one after the measure's wording ("立案率97.9%，派遣正确率99.3%"), unless it
    stands in a later clause under a rate of its own that the measure's words do not name
    ("其中前端智能摄像机3850路，经年底巡检，摄像机完好率96.8%": the 96.8% is the 完好率,
    not the share of smart cameras; "…3850路，占比30.9%" has no rate of its own); one
    before it only within the same clause ("覆盖率达到96%的5G网络"): in
    "新能源汽车保有量占比达到7%，新增充电桩500个" the 7% is not the 桩车比例.
    """
    after = [q for q in percents if q.start >= position]
    if after:
        first = after[0]
        if pattern is None or not _under_another_rate(text, position, first.start, pattern):
            return first
        return None
    before = [q for q in percents if not _CLAUSE_END.search(text[q.end : position])]
    return before[-1] if before else None


_RATE = re.compile(r"(\w{2})率")


def _under_another_rate(text: str, position: int, start: int, pattern: EvidencePattern) -> bool:
    """Is the percentage at `start` in a later clause than `position`, after a rate word
    ("完好率") that none of the measure's words names?"""
    between = text[position:start]
    ends = list(_CLAUSE_END.finditer(between))
    if not ends:
        return False  # the measure's own clause
    clause = between[ends[-1].end() :]
    if _names_measure(clause, pattern):
        return False  # "…，全市主要网站IPv6支持率为76.3%": the clause names the measure again
    return names_another_rate(clause, pattern)


def _names_measure(clause: str, pattern: EvidencePattern) -> bool:
    """Does the clause itself have a word of each of the measure's all_of groups?"""
    lowered = clause.lower()
    return bool(pattern.all_of) and all(
        any(w.lower() in lowered for w in group if w) for group in pattern.all_of
    )


def names_another_rate(text: str, pattern: EvidencePattern) -> bool:
    """Does the text name a rate ("完好率", "预约诊疗率") that none of the measure's words
    names (its last one, the one a figure after it belongs to)?"""
    rates = _RATE.findall(text)
    if not rates:
        return False
    words = [w.lower() for group in pattern.all_of for w in group]
    stem = rates[-1].lower()
    return not any(stem in word or word in stem for word in words)


def _nearest(quantities: list[Quantity], position: int) -> Quantity:
    after = [q for q in quantities if q.start >= position]
    return after[0] if after else quantities[-1]


def ratio_observation(
    sentence: Sentence,
    text: str,
    whole: list[Unhedged],
    pattern: EvidencePattern,
    bounded: bool = True,
    roles: tuple[str, str] = ("", ""),
    change: re.Pattern[str] | None = None,
    *,
    quantities: list[Quantity],
    folding: Folding | None = None,
    divisions: re.Pattern[str] | None = None,
) -> Observation:
    """Read numerator, denominator and percentage for a ratio measure.

    `roles` are the numerator and denominator descriptions (to order two levels);
    `change` matches words that make a percentage a growth rate (增长4.5%), not a share.
    `quantities` are the figures of `text` that may count (the evaluation period's,
    as facts.periods chose them). The observation notes the precision of the figure
    its denominator was read from, for the cross-item check of one total.
    `folding`: an OCR sentence's wording is found through the confusion table.
    `divisions` matches the divisions a series of bare counts is written in ("9镇3乡").
    """
    pattern, fold = matching(folding, sentence, pattern)
    obs = _ratio_observation(
        sentence, text, whole, pattern, bounded, roles, change, quantities, fold, divisions
    )
    if obs.denominator is not None:
        for q in quantities:
            if q.value == obs.denominator and (q.low is not None or q.high is not None):
                low = q.low if q.low is not None else q.value
                high = q.high if q.high is not None else q.value
                obs.denominator_range = (low, high)
                break
    return obs


def _ratio_observation(
    sentence: Sentence,
    text: str,
    whole: list[Unhedged],
    pattern: EvidencePattern,
    bounded: bool,
    roles: tuple[str, str],
    change: re.Pattern[str] | None,
    quantities: list[Quantity],
    fold: Callable[[str], str] | None = None,
    divisions: re.Pattern[str] | None = None,
) -> Observation:
    # a stated proportion (车桩比3:1, 1:2000) is not a count of either side
    counts = [q for q in quantities if not q.is_percent and q.unit not in ("pp", "ratio")]
    if divisions is not None:
        counts = _divisions_together(text, counts, divisions)
    percents = [
        q
        for q in quantities
        if q.is_percent and not (change and change.search(text[max(0, q.start - 4) : q.start]))
    ]
    obs = Observation(sentence=sentence)
    chosen = _own_percent(percents, text, anchor(pattern, text, fold), pattern)
    if chosen is not None:
        obs.percent = chosen.value
        obs.percent_decimals = decimals_shown(chosen)
        if chosen.low is not None or chosen.high is not None:
            obs.percent_range = (chosen.low, chosen.high)
    if len(counts) >= 2:
        if obs.percent is not None:
            tolerance = Decimal("0.5") * Decimal(10) ** -obs.percent_decimals + Decimal("1e-9")
            # every pair of counts: the first MAX_PAIRED_COUNTS only (a statement gives a
            # few figures; a crafted one with hundreds made this quadratic per measure)
            paired = counts[:MAX_PAIRED_COUNTS]
            for a in paired:
                for b in paired:
                    if (
                        a is not b
                        and a.value > 0
                        and (b.value <= a.value or not bounded)
                        and abs(b.value / a.value * 100 - obs.percent) <= tolerance
                    ):
                        obs.numerator, obs.denominator = b.value, a.value
                        return obs
        pair = _pair_by_cue(text, counts)
        all_covered = (
            any(p.search(text) for p in whole)
            and len({q.unit for q in counts}) == 1
            and not any(q.role == "money" for q in counts)  # 投资460万元 is no count covered
        )
        if pair is None and obs.percent is None and all_covered:
            # "三级甲等医院5家，三级乙等医院3家，均已建立电子病历": the parts add up, all covered;
            # a count said to be within another ("九家…（含三级甲等医院四家）", "其中六家")
            # is a part of it, not one more
            addends = [
                q for q in counts if not _WITHIN.search(text[max(0, q.start - 14) : q.start])
            ]
            if any(_added_or_per_head(text, q) for q in counts):
                return obs  # "新建基站1326个，累计8415个，每万人27.6个": no parts of one whole
            obs.numerator = obs.denominator = sum((q.value for q in addends or counts), Decimal(0))
            obs.inferred, obs.names_numerator = True, _names_numerator(text, roles)
            return obs
        if obs.percent is not None:
            return obs  # no pair agrees with the stated percentage: trust the percentage
        pair = pair or _pair_by_size(text, counts, bounded, roles)
        if pair:
            obs.numerator, obs.denominator = pair
    elif (
        len(counts) == 1
        and obs.percent is None
        and counts[0].role != "money"
        and any(p.search(text) for p in whole)
    ):
        obs.numerator = obs.denominator = counts[0].value
        obs.inferred, obs.names_numerator = True, _names_numerator(text, roles)
    return obs


def _divisions_together(
    text: str, counts: list[Quantity], divisions: re.Pattern[str]
) -> list[Quantity]:
    """Bare counts written one after another in divisions ("全县9镇3乡", "6县4区") as one
    count of them all (12), spanning them; other counts as they are."""
    out: list[Quantity] = []
    run: list[Quantity] = []

    def close() -> None:
        if len(run) > 1:
            total = sum((q.value for q in run), Decimal(0))
            out.append(
                run[0].model_copy(
                    update={"value": total, "written": total, "end": run[-1].end, "unit": None}
                )
            )
        else:
            out.extend(run)
        run.clear()

    for q in counts:
        after = divisions.match(text, q.end)
        if q.unit is None and after is not None:
            if run and divisions.fullmatch(text, run[-1].end, q.start) is None:
                close()
            run.append(q)
            continue
        close()
        out.append(q)
    close()
    return out


def value_observation(
    sentence: Sentence,
    text: str,
    accept_units: list[str],
    pattern: EvidencePattern,
    quantities: list[Quantity],
    folding: Folding | None = None,
) -> Observation:
    """Quantities of the accepted units ("" accepts a bare number, as for PUE),
    the one nearest after the measure's wording first; `quantities` are the figures
    of `text` that may count (an OCR sentence's wording found through `folding`)."""
    accepted = set(accept_units)
    values = [
        q
        for q in quantities
        if not q.is_percent and ((q.unit or "") in accepted or (q.unit is None and "" in accepted))
    ]
    if len(values) > 1:
        pattern, fold = matching(folding, sentence, pattern)
        first = _nearest(values, anchor(pattern, text, fold))
        values.remove(first)
        values.insert(0, first)
    return Observation(sentence=sentence, values=tuple(values))


def states_figures(figures: list[Decimal], quantities: list[Quantity]) -> bool:
    """Does the sentence state every one of these figures (in any order)?

    Exactly, or within the precision a figure is written with ("80.54万户" states
    805,412); `quantities` are the sentence's figures that may count. Each figure by a
    number of its own, but for a whole stated once: a declared 192/192 is stated by
    "建成区面积192平方公里，实现建成区全覆盖". Not when the sentence also counts a part
    of that whole in the same unit: "在册低保对象3215户，已建档1480户" states 1480 of
    3215, never 3215 of 3215.
    """
    counts = [q for q in quantities if not q.is_percent and q.is_measure_figure]
    if _each_its_own(list(figures), counts):
        return True
    distinct = list(dict.fromkeys(figures))
    if len(distinct) == len(figures):
        return False
    for figure in {f for f in figures if figures.count(f) > 1}:
        for whole in (q for q in counts if _states(q, figure)):
            if any(
                p is not whole and p.unit == whole.unit and 0 < p.value < figure for p in counts
            ):
                return False  # a part of the whole is stated: the whole is not all done
    return _each_its_own(distinct, counts)


def _states(quantity: Quantity, figure: Decimal) -> bool:
    return (
        quantity.value == figure or quantity.written == figure or within_precision(quantity, figure)
    )


def _each_its_own(figures: list[Decimal], counts: list[Quantity]) -> bool:
    """Can every figure be given a number of `counts` that states it, none given twice?

    Linear in the numbers: of the numbers stating a figure only the first as many as
    there are figures are tried (a figure with that many can always take one the others
    left), so a crafted row of thousands of equal numbers costs one pass."""
    wanted = len(figures)
    options = [[i for i, q in enumerate(counts) if _states(q, f)][:wanted] for f in figures]
    return _assign(options, frozenset())


def _assign(options: list[list[int]], used: frozenset[int]) -> bool:
    if not options:
        return True
    return any(i not in used and _assign(options[1:], used | {i}) for i in options[0])


def rounded_only(quantities: list[Quantity], figures: list[Decimal]) -> list[Quantity]:
    """The rounded figures that agree with `figures` where no figure states them exactly
    (for the message: "材料所载80.54万户为约数，在其精度内一致")."""
    counts = [q for q in quantities if not q.is_percent and q.is_measure_figure]
    exact = {v for q in counts for v in (q.value, q.written) if v is not None}
    return [q for f in figures if f not in exact for q in counts if within_precision(q, f)][
        : len(figures)
    ]


def close_to(shown: Decimal, decimals: int, target: Decimal) -> bool:
    """Is `target` what `shown` would read as, rounded to the places shown?"""
    tolerance = Decimal("0.5") * Decimal(10) ** -decimals + Decimal("1e-9")
    return abs(shown - target) <= tolerance
