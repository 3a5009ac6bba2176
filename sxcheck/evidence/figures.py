"""What each number of a sentence or table row is, and when it is for (issue 14).

`read_numbers(text, context, year, lexicon)` returns every number of `text`
(figures, money, scores, identifiers, dates) as `Quantity`s in order, each with
its role, its period and the range its written precision stands for:

* the forms (`forms.py`) find the numbers in one pass and give identifiers and
  dates by their shape;
* the words around a number (`rules/lexicon.yaml` `figures`) make it an
  identifier (备案号…, …热线), a score (…分, 测评结论为良), money (…元), a date
  (连续三年, 10个工作日内) or a bound (超过95%, 近千家, 1200余人次);
* one walk over the sentence carries the period: a time word (a year,
  截至目前, 年末, 上年, 力争, 到2025年, 十三五末) governs the figures after it
  until the next one or a `；` (unless the next clause starts with 其中); a
  year after 较/比 is only the base of a comparison; 由A的X…到B的Y gives X to A
  and Y to B; a change word just before a figure (比上年增长, 提高…个百分点)
  makes it a change whatever the scope says;
* a table row (`context` = its header cells joined by " | ", as ingest builds
  it) gives each cell its column: a 2020年 column is that year, a 2025年 or
  目标值 column a target, 序号/编号 identifiers, 得分 scores, （万元） money in 万,
  a 年份/统计时点 cell the whole row's year, a 任务 column a target due by the
  row's 完成时限.

The evaluation `year` resolves relative words (上年 -> year-1) and tells a
target year (later than `year`) from a stated one. Patterns are compiled once
per lexicon (`words_for`), never per sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from sxcheck.catalogue.schema import Lexicon
from sxcheck.evidence.built import made
from sxcheck.evidence.figure_words import Words, words_for
from sxcheck.evidence.forms import decimal_of, places, year_of
from sxcheck.evidence.quantities import normalise
from sxcheck.limits import MAX_NUMBER_DIGITS
from sxcheck.models import Quantity

CELL = " | "
_MULT = {"万": Decimal(10_000), "亿": Decimal(100_000_000)}
_IDENTIFIER_FORMS = frozenset(
    ["wenhao", "std", "code", "phone", "dashed", "dotted", "ref", "ordinal", "cls", "version"]
)
_DURATIONS = frozenset(["年", "个月", "天", "个工作日", "工作日", "小时", "分钟", "周"])
_HEADER_UNIT = re.compile(r"[（(]([^（）()]{1,12})[）)]\s*$")
_IN_BRACKETS = re.compile(r"[（(]([^（）()]{1,8})[）)]")
_YEAR_IN = re.compile(r"(\d{4})\s*年")
_NUMBER_ONLY = re.compile(r"\s*-?\d[\d,]*(?:\.\d+)?\s*")
_ACRONYM_BEFORE = re.compile(r"[A-Z]{2,}$")
_OF = re.compile(r"(?:底|末)?的")  # 2020年底的2860个: the year of the figure right after
_ROUND = {"十": Decimal(10), "百": Decimal(100), "千": Decimal(1000), "万": Decimal(10_000)}


@dataclass
class _Num:
    start: int
    end: int
    role: str
    form: str
    value: Decimal = Decimal(0)
    written: Decimal | None = None
    unit: str | None = None
    is_percent: bool = False
    low: Decimal | None = None
    high: Decimal | None = None
    year: int | None = None  # a date's year
    bound: str | None = None  # the bound word in front or behind: low / high / approx
    requirement: bool = False
    bare: bool = False  # digits alone: a table cell takes its unit from the header
    period: str | None = None
    target_year: int | None = None

    @property
    def measure(self) -> bool:
        return self.role in ("figure", "money", "score")


def _numbers(norm: str, w: Words) -> list[_Num]:
    out: list[_Num] = []
    for m in w.forms.token.finditer(norm):
        form = m.lastgroup or ""
        if form == "name":
            continue
        start, end = m.span()
        if form in _IDENTIFIER_FORMS:
            out.append(_Num(start, end, "identifier", form))
            continue
        if form == "date":
            out.append(_Num(start, end, "date", form, year=year_of(m)))
            continue
        if form == "grade":
            gs, ge = m.span("grade")
            out.append(_Num(gs, ge, "score", form, unit="grade"))
            continue
        num = _quantity(norm, m, form, w)
        if num is not None:
            out.append(num)
    return out


def _quantity(norm: str, m: re.Match[str], form: str, w: Words) -> _Num | None:
    start, end = m.span()
    n = _Num(start, end, "figure", form)
    shown = 0
    factor = Decimal(1)
    if form == "frac":
        den, top = decimal_of(m.group("den")), decimal_of(m.group("fnum"))
        if not den or top is None:
            return None
        n.value, n.unit, n.is_percent = top / den * 100, "%", True
    elif form == "pct":
        numeral = m.group("pct_num")
        value = Decimal(100) if numeral == "百" else decimal_of(numeral)
        if value is None:
            return None
        n.value, n.unit, n.is_percent, shown = value, "%", True, places(numeral)
    elif form == "ratio":
        a, b = Decimal(m.group("ra")), Decimal(m.group("rb"))
        n.value, n.unit = (b if a == 1 else a if b == 1 else a / b if b else a), "ratio"
    else:
        if form == "range":
            digits = m.group("lo")
            top = decimal_of(m.group("hi"))
        elif form == "num":
            digits = m.group("digits")
            if sum(ch.isdigit() for ch in digits) > MAX_NUMBER_DIGITS:
                n.role = "identifier"
                return n
            if _named(norm, start, end):
                return None
        else:
            digits = m.group("cn")
        value = decimal_of(digits)
        if value is None:
            if form == "cn" and digits in _ROUND and norm[start - 1 : start] == "近":
                value = _ROUND[digits]  # 近千家
            else:
                return None
        if m.group("sign") if form == "num" else False:
            value = -value
        n.written = value
        shown = places(digits)
        after = w.forms.after.match(norm, end)
        unit = None
        if after and after.end() > end:
            if after.group("mult"):
                factor = _MULT[after.group("mult")]
            if after.group("yu"):
                n.bound = "low"
            suffix, unit = after.group("suffix"), after.group("unit")
            if suffix or unit or after.group("mult"):
                end = after.end()
            if suffix == "%":
                n.unit, n.is_percent = "%", True
            elif suffix == "‰":
                value, n.unit, n.is_percent = value / 10, "%", True
            elif suffix == "成":
                value, n.unit, n.is_percent = value * 10, "%", True
            elif unit:
                if unit in ("万元", "亿元"):
                    factor, unit = _MULT[unit[0]], "元"
                n.unit = "pp" if unit in ("个百分点", "百分点") else unit
        if form == "cn" and not (n.unit or n.is_percent):
            return None  # a Chinese numeral with no unit is a word (一体化, 十四五)
        if form == "num" and not (n.unit or n.is_percent) and _letter_after(norm, end):
            return None  # 5G, 4K
        if form == "num" and not (n.unit or n.is_percent or factor != 1):
            n.bare = True
        n.value = value if factor == 1 else value * factor  # one object for both
        if form == "range" and top is not None:
            n.low, n.high = value * factor, top * factor
        if n.unit == "元":
            n.role = "money"
        elif n.unit == "分" or (n.unit == "级" and digits[:1].isdigit()):
            n.role = "score"
        n.end = end
    _bounds(norm, n, w)
    if n.low is None and n.high is None and n.bound is None and (shown or factor != 1):
        half = Decimal(5).scaleb(-(shown + 1)) * factor
        n.low, n.high = n.value - half, n.value + half
    _role_by_words(norm, n, w)
    return n


def _named(norm: str, start: int, end: int) -> bool:
    """Digits inside a name: IPv6, S3A3 (but PUE1.28 is an acronym and its value)."""
    before = norm[start - 1] if start > 0 else ""
    if before.isascii() and before.isalpha():
        decimal = "." in norm[start:end]
        return not (decimal and _ACRONYM_BEFORE.search(norm[max(0, start - 8) : start]))
    return False


def _letter_after(norm: str, end: int) -> bool:
    after = norm[end : end + 1]
    return after.isascii() and after.isalpha()


def _bounds(norm: str, n: _Num, w: Words) -> None:
    """Bound words attached to the number become part of its text and its range."""
    before = w.bound_before.search(norm[max(0, n.start - 4) : n.start])
    if before:
        kind = before.lastgroup
        n.start -= len(before.group(0))
        n.bound = n.bound or kind
        n.requirement = before.group(0) in w.requirement
    after = w.bound_after.match(norm, n.end)
    if after and after.group(0).strip():
        n.end = after.end()
        n.bound = after.lastgroup if n.bound in (None, "approx") else n.bound
    if n.bound == "low":
        n.low, n.high = n.value, None
    elif n.bound == "high":
        n.low, n.high = None, n.value
    elif n.bound == "approx":
        n.low = n.high = None


def _role_by_words(norm: str, n: _Num, w: Words) -> None:
    if w.ident_before.search(norm[max(0, n.start - 8) : n.start]) or (
        n.unit is None and not n.is_percent and w.ident_after.match(norm, n.end)
    ):
        n.role = "identifier"  # 备案号…, 12345热线 (but 46条热线 is a count)
    elif n.unit == "年" or (
        n.unit in _DURATIONS
        and not w.measured_before.search(norm[max(0, n.start - 8) : n.start])
        and (
            w.date_before.search(norm[max(0, n.start - 3) : n.start])
            or (n.bound == "high" and norm[n.start : n.start + 1] == "近" and n.unit == "年")
            or w.date_after.match(norm, n.end)
        )
    ):
        n.role = "date"


# ------------------------------------------------------------------ periods


@dataclass
class _State:
    period: str = "current"
    target_year: int | None = None


def _period_of(year: int | None, evaluation: int | None) -> _State:
    """The period a stated year gives (a year later than the evaluation year is a target)."""
    if year is None:
        return _State(str(evaluation)) if evaluation else _State()
    if evaluation and year > evaluation:
        return _State("target", year)
    return _State(str(year))


def _walk(norm: str, nums: list[_Num], w: Words, year: int | None, initial: _State) -> None:
    """Give every measure number its period, in one pass over numbers and period words."""
    events: list[tuple[int, int, object]] = [(c.start(), 0, c) for c in w.cue.finditer(norm)]
    events += [(n.start, 1, n) for n in nums]
    events.sort(key=lambda e: (e[0], e[1]))
    state = _State(initial.period, initial.target_year)
    once: _State | None = None
    source: _State | None = None  # 由A的X
    level: _State | None = None  # 提高到B的Y
    boundary = 0
    book = 0
    previous: _Num | None = None
    previous_measure: _Num | None = None
    recent: list[_Num] = []  # the measures of this clause run (since the last ；)
    # a time phrase that opens the sentence ("截至2020年底，A；B；C") dates every
    # statement of it; a ； returns to it rather than to no period at all
    leading: _State | None = None
    measured = False
    for _, is_number, item in events:
        if leading is None and not measured and boundary > 0 and state.period != initial.period:
            leading = _State(state.period, state.target_year)
        if not is_number:
            cue = item  # type: ignore[assignment]
            assert isinstance(cue, re.Match)
            kind = cue.lastgroup
            if kind == "semi":
                boundary = cue.end()
                if not norm.startswith("其中", cue.end()):
                    opening = leading or initial
                    state = _State(opening.period, opening.target_year)
                    once = source = level = None
                    recent = []
            elif kind == "comma":
                boundary = cue.end()
            elif kind == "open":
                book += 1
            elif kind == "close":
                book = max(0, book - 1)
            elif book:
                continue
            elif kind == "plan":
                if w.plan_after.match(norm, cue.end()):
                    state = _period_of(w.plans[cue.group(0)], year)
            elif kind == "cur":
                state = _State()
            elif kind in ("this", "last"):
                if previous is not None and previous.form == "date" and previous.end == cue.start():
                    continue  # 2024年全年: part of the date before it
                if year is None:
                    state = _State()
                    continue
                stated = year if kind == "this" else year - 1
                state, once, source, level = _date(
                    norm,
                    cue.start(),
                    cue.end(),
                    stated,
                    w,
                    year,
                    state,
                    once,
                    source,
                    level,
                    previous,
                    recent,
                )
            elif kind == "tgt":
                state = _State("target", _target_year(state, year))
            continue
        n = item
        assert isinstance(n, _Num)
        measured = measured or n.measure
        if n.role == "date" and n.form == "date" and not book:
            state, once, source, level = _date(
                norm, n.start, n.end, n.year, w, year, state, once, source, level, previous, recent
            )
        elif n.measure:
            start = max(boundary, previous.end if previous else 0, n.start - 16)
            window = norm[start : n.start]
            before = norm[max(0, n.start - 2) : n.start]
            if (
                n.unit in w.change_units
                or w.change.search(window)
                or (
                    window.strip() in ("和", "、", "及", "与", "")
                    and previous_measure is not None
                    and previous_measure is previous
                    and previous_measure.period == "change"
                    and window.strip()
                )
            ):
                n.period = "change"
            elif once is not None:
                n.period, n.target_year, once = once.period, once.target_year, None
            elif before.endswith("由") and source is not None:
                n.period, n.target_year = source.period, source.target_year
            elif before[-1:] in ("至", "到") and level is not None:
                n.period, n.target_year = level.period, level.target_year
            elif n.requirement:
                n.period, n.target_year = "target", _target_year(state, year)
            else:
                n.period, n.target_year = state.period, state.target_year
            previous_measure = n
            recent.append(n)
        previous = n


def _target_year(state: _State, year: int | None) -> int | None:
    if state.period == "target":
        return state.target_year
    if state.period.isdigit() and (year is None or int(state.period) >= year):
        return int(state.period)
    return None


def _date(
    norm: str,
    start: int,
    end: int,
    stated_year: int | None,
    w: Words,
    year: int | None,
    state: _State,
    once: _State | None,
    source: _State | None,
    level: _State | None,
    previous: _Num | None,
    recent: list[_Num],
) -> tuple[_State, _State | None, _State | None, _State | None]:
    """A date (or 上年, 今年) in the text: what it does to the period of the figures after it."""
    before = norm[max(0, start - 8) : start]
    stated = _period_of(stated_year, year)
    due = stated_year or year
    of = _OF.match(norm, end) is not None
    if w.start_after.match(norm, end):
        return _State(), once, source, level  # 2021年以来: a start, not the period
    if (
        previous is not None
        and previous.measure
        and before.endswith(("（", "("))
        and previous.end == start - 1
        and norm[end : end + 1] in ("）", ")")
    ):
        if previous.period != "change":  # 98.6%（2024年）: the figure's own year
            previous.period, previous.target_year = stated.period, stated.target_year
        return state, once, source, level
    if w.as_of_before.search(before):
        # …计算得出（截至2024年12月31日）: the figures before it are as of then
        for figure in recent:
            if figure.period == "current":
                figure.period, figure.target_year = stated.period, stated.target_year
        return stated, once, source, level
    if w.base_before.search(before):
        return state, (stated if of else once), source, level  # 较2020年: a base only
    if w.deadline_after.match(norm, end):
        return _State("target", due), once, source, level  # 2024年底前
    if w.level_year_before.search(before):
        return (state if of else stated), (stated if of else once), source, stated
    if before.endswith("由"):
        return state, (stated if of else once), stated, level
    if w.target_year_before.search(before):
        return _State("target", due), once, source, level
    if of:
        return stated, stated, source, level
    return stated, once, source, level


# ------------------------------------------------------------------ rows


@dataclass
class _Column:
    role: str | None = None  # identifier / score
    period: _State | None = None
    unit: tuple[Decimal, str | None, bool] | None = None  # factor, unit, is_percent
    is_period: bool = False
    is_deadline: bool = False
    is_unit: bool = False


def _unit_of(text: str) -> tuple[Decimal, str | None, bool] | None:
    """（万户） -> (10000, 户, False); （%） -> (1, %, True); （亿元） -> (1e8, 元, False)."""
    text = text.strip()
    if not text or _YEAR_IN.search(text) or len(text) > 6:
        return None
    if text in ("%", "％"):
        return Decimal(1), "%", True
    if text in ("百分点", "个百分点", "pp"):
        return Decimal(1), "pp", False
    factor = Decimal(1)
    if text[0] in _MULT and len(text) > 1:
        factor, text = _MULT[text[0]], text[1:]
    if text in ("万", "亿"):
        return _MULT[text], None, False
    if re.search(r"[\d，、,]", text):
        return None
    return factor, text, False


def _columns(heads: list[str], w: Words, year: int | None) -> list[_Column]:
    out: list[_Column] = []
    c = w.columns
    for head in heads:
        col = _Column()
        if c["identifier"].search(head):
            col.role = "identifier"
        elif c["score"].search(head):
            col.role = "score"
        unit = _HEADER_UNIT.search(head)
        col.unit = _unit_of(unit.group(1)) if unit else None
        stated = _YEAR_IN.search(head)
        if c["change"].search(head):
            col.period = _State("change")
        elif stated:
            col.period = _period_of(int(stated.group(1)), year)
            if c["target"].search(head):
                col.period = _State("target", int(stated.group(1)))
        elif c["target"].search(head):
            col.period = _State("target")
        elif w.last_year.search(head) and year:
            col.period = _State(str(year - 1))
        elif w.this_year.search(head) and year:
            col.period = _State(str(year))
        changes = col.period is not None and col.period.period == "change"
        if changes and col.role is None and col.unit is None and out and out[-1].role == "score":
            col.role = "score"  # 变化 after 2024年得分: a change of the score
        col.is_period = bool(c["period"].search(head))
        col.is_deadline = bool(c["deadline"].search(head))
        col.is_unit = bool(c["unit"].search(head))
        if c["task"].search(head) and col.period is None:
            col.period = _State("target")  # due by the row's 完成时限
        out.append(col)
    return out


def _read_row(text: str, norm: str, heads: list[str], w: Words, year: int | None) -> list[_Num]:
    cells = norm.split(CELL)
    columns = _columns(heads, w, year)
    offsets, at = [], 0
    for cell in cells:
        offsets.append(at)
        at += len(cell) + len(CELL)
    per_cell = [_numbers(cell, w) for cell in cells]
    row_period: _State | None = None
    deadline: int | None = None
    row_unit: tuple[Decimal, str | None, bool] | None = None
    for cell, nums, col in zip(cells, per_cell, columns, strict=True):
        dates = [n for n in nums if n.form == "date"]
        if col.is_period and dates and row_period is None:
            row_period = _period_of(dates[-1].year, year)
        if col.is_deadline and dates:
            deadline = dates[-1].year or year
        if col.is_unit and row_unit is None:
            row_unit = _unit_of(cell)
    if row_unit is None:
        for cell, col in zip(cells, columns, strict=True):
            named = _IN_BRACKETS.search(cell)
            if named and not col.role and not _NUMBER_ONLY.fullmatch(cell):
                row_unit = _unit_of(named.group(1))
                if row_unit:
                    break
    out: list[_Num] = []
    for cell, nums, col, offset in zip(cells, per_cell, columns, offsets, strict=True):
        if col.role == "score" and w.grades.fullmatch(cell) and not nums:
            lead = len(cell) - len(cell.lstrip())
            nums = [_Num(lead, len(cell.rstrip()), "score", "grade", unit="grade")]
        for n in nums:
            if n.bare and n.measure and n.role == "figure":
                unit = col.unit or row_unit
                if unit:
                    factor, name, percent = unit
                    n.value *= factor
                    n.unit, n.is_percent = name, percent
                    if name == "元":
                        n.role = "money"
                    if factor != 1 or "." in cell:
                        shown = places(norm[offset + n.start : offset + n.end])
                        half = Decimal(5).scaleb(-(shown + 1)) * factor
                        if shown or factor != 1:
                            n.low, n.high = n.value - half, n.value + half
            if col.role == "identifier" and n.role in ("figure", "money", "score"):
                n.role = "identifier"
            elif col.role == "score" and (n.role == "figure" or n.form == "cls"):
                n.role = "score"
                n.unit = n.unit or "分"
        initial = col.period or row_period or _State()
        if initial.period == "target" and initial.target_year is None and deadline:
            initial = _State("target", deadline)
        _walk(cell, nums, w, year, initial)
        for n in nums:
            n.start += offset
            n.end += offset
        out += nums
    return out


# ------------------------------------------------------------------ the reader


def read_numbers(
    text: str, context: str = "", year: int | None = None, lexicon: Lexicon | None = None
) -> list[Quantity]:
    """Every number of `text` in order: figures, money, scores, identifiers and dates.

    `context` is a table row's header (cells joined by " | ", possibly after a
    caption); `year` the evaluation year. Spans are exact: text[start:end] == q.text.
    """
    w = words_for(lexicon)
    norm = normalise(text)
    nums: list[_Num] | None = None
    if context and CELL in text:
        heads = context.split(CELL)
        if len(heads) == text.count(CELL) + 1:
            heads[0] = heads[0].rsplit(" ", 1)[-1]  # a caption before the header
            nums = _read_row(text, norm, heads, w, year)
    if nums is None:
        nums = _numbers(norm, w)
        _walk(norm, nums, w, year, _State())
    return [_quantity_of(text, n) for n in nums]


def _quantity_of(text: str, n: _Num) -> Quantity:
    measure = n.measure
    # every field, of its type (evidence.built: no validation, no fields set of its own)
    return made(
        Quantity,
        {
            "value": n.value,
            "written": n.written,
            "unit": n.unit,
            "is_percent": n.is_percent,
            "text": text[n.start : n.end],
            "start": n.start,
            "end": n.end,
            "role": n.role,
            "period": (n.period or "current") if measure else "current",
            "target_year": n.target_year if measure and n.period == "target" else None,
            "low": n.low if measure else None,
            "high": n.high if measure else None,
        },
    )
