"""The bounds of a page's path or text objects, read through PDFium's C API.

`PdfPage.get_objects()` builds a `PdfObject` for every object of the page (a
type lookup to pick the subclass, finalizer bookkeeping, a generator frame per
form XObject) and `get_bounds()` allocates four ctypes floats a call: on
object-heavy pages that is about three times what PDFium itself needs. The
table check asks only "what type, and where", so this module asks PDFium
directly, with one set of floats per walk, and visits the objects in the same
order and to the same depth as `get_objects(filter=(kind,), max_depth=...)`,
raising the same `PdfiumError` where that would. The same walk can keep the
handles of a second type (the text objects), so that a question about those
does not walk the page again.

The handles are plain addresses: the functions are pypdfium2's own entry
points (the same addresses in the same library), re-declared with `c_void_p`
handles so that ctypes does not build a typed pointer object per call. Their
signatures are those of fpdf_edit.h, as pypdfium2's bindings declare them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from ctypes import CFUNCTYPE, POINTER, c_float, c_int, c_ulong, c_void_p, cast
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

PATH = pdfium_c.FPDF_PAGEOBJ_PATH
TEXT = pdfium_c.FPDF_PAGEOBJ_TEXT
_FORM = pdfium_c.FPDF_PAGEOBJ_FORM
_UNKNOWN = pdfium_c.FPDF_PAGEOBJ_UNKNOWN

Bounds = tuple[float, float, float, float]  # left, bottom, right, top in page space


def _entry(function: Any, restype: Any, *argtypes: Any) -> Callable[..., Any]:
    """pypdfium2's C function at its own address, declared with untyped handles."""
    address = cast(function, c_void_p).value
    if address is None:  # a symbol the loaded PDFium lacks; pypdfium2 would fail too
        raise ImportError(f"PDFium has no {function.__name__}")
    return CFUNCTYPE(restype, *argtypes)(address)


_float_p = POINTER(c_float)
_page_count = _entry(pdfium_c.FPDFPage_CountObjects, c_int, c_void_p)
_page_get = _entry(pdfium_c.FPDFPage_GetObject, c_void_p, c_void_p, c_int)
_form_count = _entry(pdfium_c.FPDFFormObj_CountObjects, c_int, c_void_p)
_form_get = _entry(pdfium_c.FPDFFormObj_GetObject, c_void_p, c_void_p, c_ulong)
_get_type = _entry(pdfium_c.FPDFPageObj_GetType, c_int, c_void_p)
_get_bounds = _entry(
    pdfium_c.FPDFPageObj_GetBounds, c_int, c_void_p, _float_p, _float_p, _float_p, _float_p
)


def object_bounds(
    page: pdfium.PdfPage,
    kind: int,
    max_depth: int = 2,
    keep: int | None = None,
    kept: list[int] | None = None,
) -> Iterator[Bounds]:
    """Yield (left, bottom, right, top) of every object of type `kind` on the page.

    Objects inside form XObjects count down to `max_depth` levels (1: the
    page's own objects only), as in `get_objects`; their bounds are PDFium's
    for the object, as `PdfObject.get_bounds()` returns them. The handles of
    objects of type `keep` met on the way are appended to `kept`, so that a
    second question about them (`bounds_of`) needs no second walk. The page
    must stay open while the iterator and the handles are used.
    """
    if kind in (_FORM, _UNKNOWN) or keep in (kind, _FORM, _UNKNOWN):
        raise ValueError("object_bounds reads path, text, image or shading objects")
    if keep is not None and kept is None:
        raise ValueError("keep needs a list to keep the handles in")
    floats = (c_float(), c_float(), c_float(), c_float())
    handle = cast(page.raw, c_void_p).value
    sink = kept.append if kept is not None else None
    yield from _walk(handle, False, kind, keep, sink, max_depth - 1, floats)


def bounds_of(handles: list[int]) -> Iterator[Bounds]:
    """(left, bottom, right, top) of each object kept by `object_bounds`, in order."""
    left, bottom, right, top = c_float(), c_float(), c_float(), c_float()
    get_bounds = _get_bounds
    for obj in handles:
        if not get_bounds(obj, left, bottom, right, top):
            raise pdfium.PdfiumError("Failed to locate pageobject.")
        yield (left.value, bottom.value, right.value, top.value)


def _walk(
    parent: int | None,
    in_form: bool,
    kind: int,
    keep: int | None,
    sink: Callable[[int], None] | None,
    depth_left: int,
    floats: tuple[c_float, ...],
) -> Iterator[Bounds]:
    """Objects of `parent` (the page, or a form XObject), forms descended while depth is left."""
    count, get = (_form_count, _form_get) if in_form else (_page_count, _page_get)
    get_type, get_bounds = _get_type, _get_bounds
    left, bottom, right, top = floats
    total = count(parent)
    if total < 0:
        raise pdfium.PdfiumError("Failed to get number of pageobjects.")
    for index in range(total):
        obj = get(parent, index)
        if not obj:
            raise pdfium.PdfiumError("Failed to get pageobject.")
        obj_type = get_type(obj)
        if obj_type == kind:
            if not get_bounds(obj, left, bottom, right, top):
                raise pdfium.PdfiumError("Failed to locate pageobject.")
            yield (left.value, bottom.value, right.value, top.value)
        elif obj_type == keep:
            sink(obj)  # type: ignore[misc]  # keep is None whenever sink is
        elif obj_type == _FORM:
            if depth_left > 0:
                yield from _walk(obj, True, kind, keep, sink, depth_left - 1, floats)
        elif obj_type == _UNKNOWN:
            raise pdfium.PdfiumError("Failed to determine pageobject type.")
