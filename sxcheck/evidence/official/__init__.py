"""Official documents (公文) as documents: issuer, 文号, title, 文种, date, 主送机关, draft.

An auditor looks at each notice as a document before reading what it says:
who issued it, its 发文字号, when, to whom, whether it is a 征求意见稿. These are
read from a document's first page(s) (its first units); the words live in
`rules/lexicon.yaml` `official` (with cases), the layout logic here.

It also finds rows of an attachment list (附件：1.《…》), a 目录 or a 文件清单:
naming a document there is not evidence that what the document says holds.

API (fixed; issue 17):
- `read_official(units, words) -> OfficialInfo | None`: `units` are one
  document's text units in order; None when it reads as no official document.
- `listing_rows(units, words) -> set[int]`: indices into `units` (one
  document's) of the units that are rows of an attachment list, 目录 or 文件清单.

How a first page is read (GB/T 9704 layout, and the looser one of reports and
plans): the *head* is the document's first lines up to its first sentence (a
line with 。；！？, but never a label line: "主题分类：政务公开；信息化") or its
主送机关 line, at most HEAD_LINES lines. A PDF's paragraphs or a scan's line groups
may run several head lines into one unit (and a head line into the body's first
sentence): each unit is read as the head lines it holds, cut where one ends (`joins`:
after a 文号, before 关于, after a title's 文种 word, around a date, at a 主送机关's
"：", before a label), each a piece of its unit. In the head, a line may hold:
the red header ("晋阳市人民政府办公室文件", also over several lines; a 政府令's
"晋阳市人民政府令", whose 令 is its 文种 when no title names one), the 文号
(at one end of its line, beside "签发人：…"), marks (份号, 密级, 特急), the title
(one line or up to four consecutive ones, ending with a 文种 and at most two
brackets), a draft marker (a short line, or a bracket), a date (a plan's cover,
a 纪要's "晋阳市人民政府办公室 2024年3月15日", a 决定's 题注 "（2024年6月18日…
会议审议）"), and the 主送机关 (a line ending with ：naming bodies, never a
sentence's opening "为…，作出如下决定：", or the start of the first body line up to
its colon when a DOCX runs them into one paragraph). The *signature* is a line (or
a line's part after its last sentence) that is a date alone (or an issuer and a
date), after the head in the first FIRST_UNITS units or among the last LAST_UNITS:
the line before it (or its part after its last sentence) names the issuer. Labelled metadata (a
政府信息公开 page printed: "发文字号：…", "成文日期：…", "标题：…") in the first
units is read before all of this and wins.

Which date: a 纪要's is its meeting's (a date before 召开/主持 in the first body
lines, or after 会议时间：), else its head's; any other document's is its 成文日期
(the first signature date after the head, else the first among the last units),
else a date of its head (a cover's "2021年12月"), else its 印发日期 (the 版记's
"…2023年5月14日印发").

Which issuer: a label's, else the red header's, else the title's part before 关于,
else a head line that is an issuer's name alone, else the signature's (for a
纪要, and for a document dated by its head: its head's date line's, "晋阳市人民
政府办公室 2024年3月15日").

Which 文号: a label's, else one at an end of a head line; one cited in the body
("（晋政办发〔2022〕59号）精神") is never the document's own. A title adjusting
something (`adjusts`) names it (`adjusted`): the title in the first 《》 after the
word, else the name after it without 成立/组成人员…; when the title names nothing
("关于撤销有关事项的通知"), the first 文号 its body cites.

Values are the matching text (evidence.normalise: "晋 阳 市" joined, full-width
digits ASCII, a 文号's year bracket 〔〕), with joint issuers kept apart by one
space; each `evidence` quote is the unit's own characters behind the value (a
title over several lines is quoted from its first line; `adjusts`/`adjusted`
from the line holding them).

None: a document is read as an official document when it has a 文号 (or 期号),
a red header, or a title ending with a 文种 of the lexicon (通知 … 总结, 汇报,
情况说明: a work report titled so is read, with its signature and date). A
document with none of these (a data table, a report titled "…建设情况", a news
page) is None, whatever dates or names it holds.

The package: `patterns` (the lexicon's words compiled, the reader's limits, where
a 文号 starts), `spans` (units as matched, their parts, quotes), `dates` (how dates
are written, a line that is a date), `joins` (head lines joined in one unit, cut
apart), `head` (the head: header, 文号, marks, title, 主送机关), `reader` (labels,
signature, meeting date, adjusts; `read_official`) and `listing` (`listing_rows`).
"""

from sxcheck.evidence.official.listing import listing_rows
from sxcheck.evidence.official.reader import read_official

__all__ = ["listing_rows", "read_official"]
