"""ScanImage header values (MATLAB literals) as Python values, the way tifffile's
``matlabstr2py`` gives them, so code ported from the tifffile-based notebooks sees the same
values: integers, floats (``Inf``, ``NaN`` too), bools, strings without their quotes, arrays and
cells as lists (a matrix as a list of rows; a group holding a single list or string is unboxed to
it: ``{'a'}`` is ``'a'``, ``[1 2]`` is ``[1, 2]``), ``zeros(m,n)``/``ones(m,n)`` as nested lists.
Anything else (``@function`` handles, ``<object>`` descriptions, enum names, unbalanced brackets)
stays the header's text."""
from __future__ import annotations

from typing import Any

_STRUCTURE = " ';[]{}"


class _Unbalanced(Exception):
    pass


def parse_value(text: str) -> Any:
    """The Python value of one header value text."""
    s = text.strip()
    scalar = _strict_scalar(s)
    if scalar is not _NOT_SCALAR:
        return scalar
    try:
        return _parse_groups(_tokens(s))
    except _Unbalanced:
        return s


_NOT_SCALAR = object()


def _strict_scalar(s: str) -> Any:
    """The value of `s` when it is one literal (a quoted string may hold spaces and brackets),
    else _NOT_SCALAR."""
    if not s:
        return s
    if s[0] == "'" and len(s) > 1 and s[-1] == "'" and "'" not in s[1:-1]:
        return s[1:-1]
    if s[0] == "<" and s[-1] == ">" and "<" not in s[1:-1]:
        return s
    if any(c in s for c in _STRUCTURE):
        return _NOT_SCALAR
    return _token_value(s)


def _token_value(t: str) -> Any:
    """One token: a quoted string, a number, a bool, zeros()/ones(), else the text itself."""
    if len(t) == 1:
        try:
            return int(t)
        except ValueError:
            return t
    if t[0] == "'":
        return t[1:-1]
    if t[0] in "<@":
        return t
    if t in ("true", "True"):
        return True
    if t in ("false", "False"):
        return False
    if t.startswith("zeros(") or t.startswith("ones("):
        filled = _filled(t)
        if filled is not None:
            return filled
    if "." in t or "e" in t:
        try:
            return float(t)
        except ValueError:
            pass
    try:
        return int(t)
    except ValueError:
        pass
    try:
        return float(t)  # Inf, -Inf, NaN
    except ValueError:
        return t


def _filled(t: str) -> list | None:
    """zeros(m,n,...) / ones(m,n,...) as nested lists of floats (numpy's tolist())."""
    fill = 0.0 if t.startswith("zeros(") else 1.0
    if not t.endswith(")"):
        return None
    try:
        dims = [int(d) for d in t[t.index("(") + 1 : -1].split(",")]
    except ValueError:
        return None
    if any(d < 0 for d in dims):
        return None

    def build(level: int) -> list:
        if level == len(dims) - 1:
            return [fill] * dims[level]
        return [build(level + 1) for _ in range(dims[level])]

    return build(0) if dims else None


def _tokens(s: str) -> list[str]:
    """Brackets, braces, ';', quoted strings, <...> and space-separated atoms."""
    out, i, n = [], 0, len(s)
    while i < n:
        c = s[i]
        if c == " ":
            i += 1
        elif c in "[]{};":
            out.append(c)
            i += 1
        elif c in "'<":
            close = "'" if c == "'" else ">"
            j = s.find(close, i + 1)
            j = n - 1 if j < 0 else j
            out.append(s[i : j + 1])
            i = j + 1
        else:
            j = i
            while j < n and s[j] not in " {[;]}":
                j += 1
            out.append(s[i:j])
            i = j
    return out


def _unbox(group: list) -> Any:
    return group[0] if len(group) == 1 and isinstance(group[0], (list, str)) else group


def _parse_groups(tokens: list[str]) -> Any:
    """The whole value as a group: rows split by ';', each group and row unboxed."""
    value, end = _group(tokens, 0, None)
    if end != len(tokens):
        raise _Unbalanced
    return value


def _group(tokens: list[str], i: int, close: str | None) -> tuple[Any, int]:
    rows: list[list] = [[]]
    while i < len(tokens):
        t = tokens[i]
        if t in ("]", "}"):
            if close is None or t != close:
                raise _Unbalanced
            return _finish(rows), i + 1
        if t in ("[", "{"):
            value, i = _group(tokens, i + 1, "]" if t == "[" else "}")
            rows[-1].append(value)
            continue
        if t == ";":
            rows.append([])
        else:
            rows[-1].append(_token_value(t))
        i += 1
    if close is not None:
        raise _Unbalanced
    return _finish(rows), i


def _finish(rows: list[list]) -> Any:
    return _unbox([_unbox(row) for row in rows])
