"""Checks of keyword options before they reach the C++ option structs, so a wrong type is an
InvalidArgumentError naming the option (the structs would raise a bare TypeError)."""
from __future__ import annotations

import operator
from typing import Any

from ._errors import InvalidArgumentError


def as_int(name: str, value: Any) -> int:
    """An integer option (Python or numpy int, not bool) that fits a C++ int."""
    if isinstance(value, bool):
        raise InvalidArgumentError(f"{name} must be an integer, got {value!r}")
    try:
        number = operator.index(value)
    except TypeError:
        raise InvalidArgumentError(f"{name} must be an integer, got {value!r}") from None
    if not -2**31 <= number < 2**31:
        raise InvalidArgumentError(f"{name} is out of range, got {number}")
    return number


def as_seed(value: Any) -> int | None:
    """None or an integer 0 .. 2**64 - 1 (the library's seed type)."""
    if value is None:
        return None
    try:
        number = None if isinstance(value, bool) else operator.index(value)
    except TypeError:
        number = None
    if number is None or not 0 <= number < 2**64:
        raise InvalidArgumentError(f"seed must be None or an integer in [0, 2**64), got {value!r}")
    return number


def as_float(name: str, value: Any) -> float:
    """A real-number option."""
    if isinstance(value, bool):
        raise InvalidArgumentError(f"{name} must be a number, got {value!r}")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise InvalidArgumentError(f"{name} must be a number, got {value!r}") from None
