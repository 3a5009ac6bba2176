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
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sxcheck.models import OfficialInfo, TextUnit

if TYPE_CHECKING:
    from sxcheck.catalogue.schema import OfficialWords


def read_official(units: list[TextUnit], words: OfficialWords) -> OfficialInfo | None:
    raise NotImplementedError


def listing_rows(units: list[TextUnit], words: OfficialWords) -> set[int]:
    raise NotImplementedError
