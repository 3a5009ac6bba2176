"""Self-check of the figure corpus (not a test of sxcheck).

Run:  python3 tests/corpus/figures/check_corpus.py

It checks that every file loads, that every number's `text` is found in its
entry (at the stated `nth` raw occurrence), that numbers are listed in order of
appearance without overlapping, that roles/periods/values are well formed, and
that the value written agrees with the number as written (万/亿, 成, 百分之,
Chinese numerals, ratios, ranges, bound words). It also prints digits and
Chinese numerals that no listed number covers, for a human to look at
(names such as 5G, IPv6, 一网通办, 十四五 are expected there).
"""

from __future__ import annotations

import pathlib
import re
import sys
from collections import Counter

import yaml

HERE = pathlib.Path(__file__).resolve().parent
# names and words that contain digits or numeral characters but are not numbers
NAMES = re.compile(
    r"[45]G|10G|IPv6|千兆|万兆|百兆|零售|零跑动|部/百人|一网通办|一网统管|一网协同|一体化|统一|"
    r"一件事|一窗|一屏|一码|一号|一站|一键|十四五|十三五|十五五|三个课堂|户户通|进一步|"
    r"过去一年|第三方|四舍五入|下一步|一览表|一枚|一次性|一批|万物|百姓|千家万户|一线|一张网|一图|一朵云|一次办|三医|两网|一网|"
    r"百名|千万|一起|第一|一流|一律|一并|一些|一般|一定|一同|一致"
)
ROLES = {"figure", "money", "score", "identifier", "date"}
MEASURE_ROLES = {"figure", "money", "score"}
KINDS = {"sentence", "table_row"}
LOW_BOUND = ("以上", "超过", "不低于", "不少于", "突破", "逾", "余", "多", "超")
HIGH_BOUND = ("近", "不足", "不到", "以下", "低于", "不超过", "将近")

CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
CN_UNITS = {"十": 10, "百": 100, "千": 1000}


def cn_to_number(s: str) -> float | None:
    """Parse a Chinese numeral (三百二十, 九十六点五, 一千二百, 两千, 十二)."""
    if not s:
        return None
    if "点" in s:
        ip, fp = s.split("点", 1)
        whole = cn_to_number(ip) if ip else 0
        if whole is None or any(c not in CN_DIGITS for c in fp):
            return None
        return float(f"{int(whole)}." + "".join(str(CN_DIGITS[c]) for c in fp))
    total, cur = 0, 0
    for ch in s:
        if ch in CN_DIGITS:
            cur = CN_DIGITS[ch]
        elif ch in CN_UNITS:
            total += (cur or 1) * CN_UNITS[ch]
            cur = 0
        else:
            return None
    return float(total + cur)


NUM_RE = re.compile(r"-?\d+(?:\.\d+)?")
CN_RE = re.compile(r"[零〇一二两三四五六七八九十百千点]+")


def parsed_value(text: str, role: str):
    """Return (value, mult, decimals) as written, or None when not parseable."""
    t = text
    for w in LOW_BOUND + HIGH_BOUND + ("约", "左右"):
        t = t.replace(w, "")
    fm = re.match(
        r"([零〇一二两三四五六七八九十百千]+)分之([零〇一二两三四五六七八九十百千点]+)", t
    )
    if fm and not t.startswith("百分之"):
        a, b = cn_to_number(fm.group(1)), cn_to_number(fm.group(2))
        return None if not a or b is None else (b / a * 100, 1, None)
    if t.startswith("百分之"):
        v = cn_to_number(t[3:])
        return None if v is None else (v, 1, None)
    if ":" in t:
        a, b = t.split(":", 1)
        ma, mb = NUM_RE.search(a), NUM_RE.search(b)
        if not ma or not mb:
            return None
        fa, fb = float(ma.group()), float(mb.group())
        return (fb if fa == 1 else fa, 1, None)
    if "—" in t:
        a, b = t.split("—", 1)
        ma, mb = NUM_RE.search(a), NUM_RE.search(b)
        if ma and mb:
            rest = b[mb.end() :]
            mult = 10_000 if rest.startswith("万") else 100_000_000 if rest.startswith("亿") else 1
            return (float(ma.group()) * mult, mult, None)
    m = NUM_RE.search(t)
    if m:
        v = float(m.group())
        dec = len(m.group().split(".")[1]) if "." in m.group() else 0
        rest = t[m.end() :]
    else:
        m = CN_RE.search(t)
        if not m:
            return None
        v = cn_to_number(m.group())
        if v is None:
            return None
        dec = None
        rest = t[m.end() :]
    mult = 1
    if rest.startswith("万"):
        mult = 10_000
    elif rest.startswith("亿"):
        mult = 100_000_000
    elif rest.startswith("成"):
        mult = 10
    return (v * mult, mult, dec)


def close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def check_number(fn, i, e, n, errors):
    where = f"{fn}#{i + 1} {n.get('text')!r}"
    role = n.get("role")
    if role not in ROLES:
        errors.append(f"{where}: bad role {role!r}")
        return
    if role in MEASURE_ROLES:
        p = n.get("period")
        if p not in ("current", "target", "change") and not (
            isinstance(p, str) and re.fullmatch(r"\d{4}", p)
        ):
            errors.append(f"{where}: bad period {p!r}")
        if "target_year" in n and p != "target":
            errors.append(f"{where}: target_year without period target")
        if role == "score" and "value" not in n and "grade" not in n:
            errors.append(f"{where}: score needs value or grade")
        if role in ("figure", "money") and "value" not in n:
            errors.append(f"{where}: needs value")
        if role == "money" and n.get("unit") != "元":
            errors.append(f"{where}: money unit must be 元")
        if "unit" not in n and "grade" not in n:
            errors.append(f"{where}: needs unit")
    else:
        for k in ("period", "value", "low", "high", "target_year"):
            if k in n:
                errors.append(f"{where}: {k} given for role {role}")
    t = n["text"]
    if role in ("figure", "money", "score") and "value" in n:
        pv = parsed_value(t, role)
        header_mult = any(w in (e.get("context") or "") + e["text"] for w in ("万", "亿"))
        if pv is not None:
            v, mult, dec = pv
            if not close(v, float(n["value"])) and not (
                e["kind"] == "table_row" and header_mult and mult == 1
            ):
                errors.append(f"{where}: value {n['value']} but text reads {v}")
        unit = n.get("unit")
        if "%" in t or "分之" in t or t.rstrip("以上下左右").endswith("成"):
            if unit != "%":
                errors.append(f"{where}: unit should be %")
        if "个百分点" in t and unit != "pp":
            errors.append(f"{where}: unit should be pp")
        if ":" in t and unit != "ratio":
            errors.append(f"{where}: unit should be ratio")
        lo, hi = n.get("low"), n.get("high")
        val = float(n["value"])
        if lo is not None and float(lo) > val + 1e-9:
            errors.append(f"{where}: low > value")
        if hi is not None and float(hi) < val - 1e-9:
            errors.append(f"{where}: high < value")
        if any(
            t.startswith(w) or t.endswith(w) or w in t
            for w in LOW_BOUND
            if w in ("以上", "超过", "不低于", "不少于", "突破", "逾", "超")
        ) or re.search(r"\d余|[十百千万]余|\d多", t):
            if lo is None or not close(float(lo), val):
                errors.append(f"{where}: lower bound word but low != value")
        if any(w in t.replace("不低于", "").replace("不少于", "") for w in HIGH_BOUND):
            if hi is None or not close(float(hi), val):
                errors.append(f"{where}: upper bound word but high != value")
        if "—" in t and role == "figure" and (lo is None or hi is None):
            errors.append(f"{where}: range needs low and high")


def check_file(path: pathlib.Path, errors, warnings, stats):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    fn = path.name
    if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
        errors.append(f"{fn}: no entries list")
        return
    for i, e in enumerate(data["entries"]):
        where = f"{fn}#{i + 1}"
        for k in ("text", "kind", "context", "year", "numbers"):
            if k not in e:
                errors.append(f"{where}: missing {k}")
        if e.get("kind") not in KINDS:
            errors.append(f"{where}: bad kind")
            continue
        text = e["text"]
        stats["kind"][e["kind"]] += 1
        if e["kind"] == "table_row":
            ctx = e.get("context") or ""
            if " | " not in ctx or " | " not in text:
                errors.append(f"{where}: table_row needs cells joined by ' | '")
            elif len(ctx.split(" | ")) != len(text.split(" | ")):
                errors.append(
                    f"{where}: {len(text.split(' | '))} cells vs {len(ctx.split(' | '))} header cells"
                )
        elif e.get("context"):
            errors.append(f"{where}: sentence with context")
        spans = []
        last_end = -1
        for n in e.get("numbers") or []:
            t = n.get("text")
            if not t:
                errors.append(f"{where}: number without text")
                continue
            nth = int(n.get("nth", 1))
            pos = -1
            for _ in range(nth):
                pos = text.find(t, pos + 1)
                if pos < 0:
                    break
            if pos < 0:
                errors.append(f"{where}: {t!r} (nth {nth}) not in text")
                continue
            if pos < last_end:
                errors.append(f"{where}: {t!r} out of order or overlapping (nth wrong?)")
            last_end = pos + len(t)
            spans.append((pos, pos + len(t)))
            check_number(fn, i, e, n, errors)
            stats["role"][n.get("role")] += 1
            if n.get("role") in MEASURE_ROLES:
                p = n.get("period")
                stats["period"]["year" if re.fullmatch(r"\d{4}", str(p)) else p] += 1
        covered = set()
        for a, b in spans:
            covered.update(range(a, b))
        for m in NAMES.finditer(text):
            covered.update(range(m.start(), m.end()))
        for m in re.finditer(r"\d+", text):
            if not set(range(m.start(), m.end())) & covered:
                ctx = text[max(0, m.start() - 3) : m.end() + 4]
                warnings.append(f"{where}: digits {m.group()!r} not listed  …{ctx}…")
        for m in CN_RE.finditer(text):
            if m.group() in ("点",):
                continue
            if not set(range(m.start(), m.end())) & covered:
                ctx = text[max(0, m.start() - 3) : m.end() + 4]
                warnings.append(f"{where}: chinese {m.group()!r} not listed  …{ctx}…")


def main() -> int:
    errors, warnings = [], []
    stats = {"kind": Counter(), "role": Counter(), "period": Counter()}
    files = sorted(HERE.glob("*.yaml"))
    for f in files:
        check_file(f, errors, warnings, stats)
    quiet = "-q" in sys.argv
    if not quiet:
        for w in warnings:
            print("note:", w)
    for e in errors:
        print("ERROR:", e)
    print(f"files {len(files)}; entries {dict(stats['kind'])}")
    print("numbers per role:", dict(stats["role"]), "total", sum(stats["role"].values()))
    print("measure numbers per period:", dict(stats["period"]))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
