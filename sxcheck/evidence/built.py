"""Models made in bulk from values already of their fields' types, without validation.

A dense submission holds every number of every sentence about a measure (~40 a page)
as a `Quantity`, with its `FigureNote` and the sentence's `Evidence`, through the
facts stage. Validated, each costs its field dict plus a fields set of its own (728
bytes for a dozen names) and a third of the time its numbers take to read.
`made(Model, values)` is what pydantic's `model_construct` does for a model with
no aliases, private attributes, extras or post-init, given every field: the values
become the instance's dict and one set naming every field is shared by all of them
(setting a field adds a name already in it, so it never changes; nothing in sxcheck
reads a fields set). `model_construct` itself walks every field in Python per call.
The callers build the values from the model's own types (Decimals, ints, strs,
validated units' fields); tests/test_memory_flat.py compares `made` with validation.

The values dict is made a key-sharing one (issue 18): set as the attributes of a plain
holder object of the model's own holder class, in field order, they come back as
`holder.__dict__` holding only the values, its keys the class's one shared table
(CPython 3.11: ~180 bytes, dict and values, for an Evidence's dozen fields instead of
464). It is an ordinary dict to every reader and writer (setting a field keeps it
shared; a new key or another order would only make it a plain dict again): a dense
page's ~16 Evidence (one per sentence about a measure, held through the facts stage)
cost ~320 bytes each instead of ~550.

A `Quantity` is no longer a model (a slotted class, issue 18): `made` builds it from the
same values, checked to name every one of its slots, so its callers need not change.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

M = TypeVar("M")

_SET = object.__setattr__
_FIELDS: dict[type[BaseModel], tuple[set[str], frozenset[str], tuple[str, ...], type]] = {}
_SLOTS: dict[type, frozenset[str]] = {}


def _fields(cls: type[BaseModel]) -> tuple[set[str], frozenset[str], tuple[str, ...], type]:
    """The shared fields set of `cls` (checked once to be a model `made` can make), its
    fields in order and the holder class its value dicts share their keys through."""
    entry = _FIELDS.get(cls)
    if entry is None:
        plain = (
            not cls.__private_attributes__
            and cls.model_config.get("extra") != "allow"
            and not cls.__pydantic_post_init__
            and not cls.__pydantic_root_model__
            and all(
                f.alias is None and f.validation_alias is None for f in cls.model_fields.values()
            )
        )
        if not plain:
            raise TypeError(f"{cls.__name__} needs model_construct or validation")
        names = set(cls.model_fields)
        holder = type(f"_{cls.__name__}Values", (), {"__module__": __name__})
        entry = _FIELDS[cls] = (names, frozenset(names), tuple(cls.model_fields), holder)
    return entry


def shared_fields(cls: type[BaseModel]) -> set[str]:
    """The one fields set every instance `made` of `cls` shares."""
    return _fields(cls)[0]


def made(cls: type[M], values: dict[str, Any]) -> M:
    """An instance of `cls` holding `values`, which must name every field of it."""
    if not issubclass(cls, BaseModel):
        return _slotted(cls, values)
    shared, names, order, holder_class = _fields(cls)
    if values.keys() != names:
        raise TypeError(f"{cls.__name__}: fields {sorted(names ^ values.keys())} given wrongly")
    holder = holder_class()
    for name in order:
        _SET(holder, name, values[name])
    instance = cls.__new__(cls)
    _SET(instance, "__dict__", holder.__dict__)
    _SET(instance, "__pydantic_fields_set__", shared)
    _SET(instance, "__pydantic_extra__", None)
    _SET(instance, "__pydantic_private__", None)
    return instance


def _slotted(cls: type[M], values: dict[str, Any]) -> M:
    """A slotted class's instance (Quantity) from a value for each of its slots."""
    names = _SLOTS.get(cls)
    if names is None:
        slots = getattr(cls, "__slots__", None)
        if not isinstance(slots, tuple):
            raise TypeError(f"{cls.__name__} is neither a model nor a slotted class")
        names = _SLOTS[cls] = frozenset(slots)
    if values.keys() != names:
        raise TypeError(f"{cls.__name__}: slots {sorted(names ^ values.keys())} given wrongly")
    instance = cls.__new__(cls)
    for name, value in values.items():
        _SET(instance, name, value)
    return instance


class _Empty(list[Any]):
    """An empty list that refuses to change: one stands for every unit's empty `cells`
    or `lines` (two lists of 56 bytes a paragraph otherwise, issue 18). Equal to `[]`,
    dumped as one; whatever would fill it raises instead of filling every unit's."""

    __slots__ = ()

    def _refused(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("a compact unit's empty list is shared: assign a new list instead")

    append = extend = insert = pop = remove = clear = sort = reverse = _refused
    __setitem__ = __delitem__ = __iadd__ = __imul__ = _refused


EMPTY: list[Any] = _Empty()
