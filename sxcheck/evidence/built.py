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
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)

_SET = object.__setattr__
_FIELDS: dict[type[BaseModel], tuple[set[str], frozenset[str]]] = {}


def _fields(cls: type[BaseModel]) -> tuple[set[str], frozenset[str]]:
    """The shared fields set of `cls`, checked once to be a model `made` can make."""
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
        entry = _FIELDS[cls] = (names, frozenset(names))
    return entry


def made(cls: type[M], values: dict[str, Any]) -> M:
    """An instance of `cls` holding `values`, which must name every field of it."""
    shared, names = _fields(cls)
    if values.keys() != names:
        raise TypeError(f"{cls.__name__}: fields {sorted(names ^ values.keys())} given wrongly")
    instance = cls.__new__(cls)
    _SET(instance, "__dict__", values)
    _SET(instance, "__pydantic_fields_set__", shared)
    _SET(instance, "__pydantic_extra__", None)
    _SET(instance, "__pydantic_private__", None)
    return instance
