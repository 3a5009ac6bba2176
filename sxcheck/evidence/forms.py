"""How numbers are written: the forms a number takes in Chinese text, read in one pass.

One compiled pattern finds every number of a sentence, each with its form:
an identifier by its shape (〔2023〕58号, 0351-4028765, 14010990001-00001,
2.1.1, 表2-2, 附件3, 第3期, 三级甲等, 2.0版), a date (2024年6月, 1—10月,
前三季度, 第28周, 二〇二五年), a grade (测评结论为良), or a quantity (96.5%,
百分之九十六点五, 四分之三, 1:2.5, 3—5万个, 1.2万个, 三百二十所). Names written
with numerals (一网通办, 十四五) are matched first and give nothing. The words
(names, grade cues) come from `rules/lexicon.yaml` `figures`; the shapes are
code. What a quantity is *about* and *when* is decided in `figures.py`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sxcheck.evidence.quantities import UNITS, _cn_value

CN_DIGITS = "零〇一二两三四五六七八九"
CN_ALL = CN_DIGITS + "十百千万亿"
_CN_YEAR = "〇零一二三四五六七八九"
_CN_YEAR_DIGIT = {
    ch: (0 if ch in "〇零" else "一二三四五六七八九".index(ch) + 1) for ch in _CN_YEAR
}

# Measure words beyond the figure finder's: durations, scores, data sizes, pages.
EXTRA_UNITS = [
    "个工作日",
    "工作日",
    "个月",
    "小时",
    "分钟",
    "天",
    "年",
    "架",
    "起",
    "场次",
    "场",
    "份",
    "页",
    "倍",
    "级",
    "PB",
    "TB",
    "部/百人",
    "百分点",
    "万人",
    "万张",
    "万件",
    "万次",
    "亿次",
    "亿条",
    "家次",
    "所次",
    "篇",
]
ALL_UNITS = sorted(set(UNITS) | set(EXTRA_UNITS), key=len, reverse=True)
# 分 is a score unit, but not in 分之, 分钟, 分别, 分类, 分局, 分级 …
_UNIT_RE = (
    "|".join(re.escape(u) for u in ALL_UNITS)
    + r"|分(?![之钟别类局行析布级期区站项数值辨配担批解享])"
)

ARABIC = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
CHINESE = rf"[{CN_ALL}]+(?:点[{CN_DIGITS}]+)?"
_DASH = r"[—\-–~～]"


def _alternatives(names: str, grade_before: str, grades: str) -> str:
    name = rf"(?P<name>{names})|" if names else ""
    return rf"""
    {name}
      (?P<wenhao>[〔\[［]\d{{4}}[〕\]］]\s*第?\d+号)
    | (?P<std>(?:GB|DB|YD|GA|JR|WS)(?:/[TZ])?\s*\d+(?:\.\d+)*(?:\s*{_DASH}\s*\d{{4}})?)
    | (?P<code>(?<![A-Za-z])[A-Za-z]{{2,}}\d{{4,}}[A-Za-z\d\-]*)
    | (?P<dashed>(?<!\d)\d{{5,}}(?:-\d+)+)
    | (?P<phone>(?<!\d)0\d{{2,3}}{_DASH}\d{{7,8}}(?!\d)|(?<!\d)1[3-9]\d{{9}}(?!\d))
    | (?P<dotted>(?<![\d.])第?\d+(?:\.\d+){{2,}}(?![\d.])(?:项)?)
    | (?P<ref>(?:附表|附件|附图|表|图|专栏|序号)\s*(?:\d+|[一二三四五六七八九十]+)(?:[-—–.]\d+)*)
    | (?P<date>
          (?P<y1>\d{{4}})\s*{_DASH}\s*(?P<y2>\d{{4}})\s*年
        | (?P<y3>\d{{4}})年(?:\s*\d{{1,2}}月(?:\s*\d{{1,2}}日)?(?:\s*{_DASH}\s*\d{{1,2}}月\s*\d{{1,2}}日|\s*{_DASH}\s*\d{{1,2}}日)?)?
        | (?P<ycn>[{_CN_YEAR}]{{4}})年
        | \d{{1,2}}\s*{_DASH}\s*\d{{1,2}}\s*月
        | \d{{1,2}}月(?:\d{{1,2}}日)?(?:\s*{_DASH}\s*(?:\d{{1,2}}月)?\d{{1,2}}日)?
        | (?:第?[一二三四1-4]|前[二两三])季度
        | 前\s*(?:\d+|[一二三四五六七八九十]+)\s*个月
        | 第\s*(?:\d+|[一二三四五六七八九十]+)\s*周
      )
    | (?P<ordinal>总?第\s*[\d一二两三四五六七八九十百零〇]+(?:\.\d+)*\s*(?:期|次|章|节|部分|项|页|行|批次|批|届|号|条|款|轮|位|名|类|级|阶段|组|季)?)
    | (?P<cls>\d+A级|[一二两三四五六七八九十]+(?:级(?:甲等|乙等|丙等)?|期|届))
    | (?P<version>\d+(?:\.\d+)?\s*版本?)
    | (?:{grade_before})(?P<grade>{grades})
    | (?P<pct>百分之(?P<pct_num>百|{ARABIC}|{CHINESE}))
    | (?P<frac>(?P<den>[{CN_ALL}]+)分之(?P<fnum>{CHINESE}))
    | (?P<ratio>(?<![\d.])(?P<ra>\d+(?:\.\d+)?)\s*[:∶：]\s*(?P<rb>\d+(?:\.\d+)?))
    | (?P<range>(?P<lo>{ARABIC})\s*{_DASH}\s*(?P<hi>{ARABIC})(?=\s*(?:万|亿)?\s*(?:{_UNIT_RE}|%)))
    | (?P<num>(?P<sign>(?<![^\s|（(，,：:])-)?(?P<digits>{ARABIC}))
    | (?P<cn>{CHINESE})
    """


@dataclass
class Forms:
    """The compiled shapes of one lexicon (built once, see figures.words_for)."""

    token: re.Pattern[str]
    after: re.Pattern[str]  # 万/亿, 余/多, %, 成, the measure word, right after a number


def compile_forms(names: list[str], grade_before: str, grades: str) -> Forms:
    token = re.compile(_alternatives("|".join(names), grade_before, grades), re.VERBOSE)
    after = re.compile(
        rf"\s*(?P<mult>万|亿)?(?P<yu>余|多)?\s*(?:(?P<suffix>%|‰|成)|(?P<unit>{_UNIT_RE}))?"
    )
    return Forms(token=token, after=after)


def decimal_of(text: str) -> Decimal | None:
    """A numeral as written, Arabic or Chinese (1,234 / 12.5 / 三百二十 / 九十六点五)."""
    if not text:
        return None
    if text[0] in CN_ALL:
        return _cn_value(text)
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None


def places(text: str) -> int:
    """Decimal places shown (6.31 -> 2, 九十六点五 -> 1)."""
    for mark in (".", "点"):
        if mark in text:
            return len(text.split(mark, 1)[1])
    return 0


def year_of(match: re.Match[str]) -> int | None:
    """The year a date token states (its last year for a span), None for a month or day."""
    for group in ("y2", "y3"):
        if match.group(group):
            return int(match.group(group))
    if match.group("ycn"):
        return int("".join(str(_CN_YEAR_DIGIT[ch]) for ch in match.group("ycn")))
    return None
