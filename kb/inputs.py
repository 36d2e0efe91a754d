"""The input boundary: control characters never get past the request object.

A NUL byte in a query-string or form value (``/requests?q=a%00b``) is a 500 on PostgreSQL
("A string literal cannot contain NUL"), and other control characters are never meaningful in
a parameter. :class:`CleanRequest` removes them once, for every page and API endpoint, before
any view, form or schema sees the value. Tab, newline and carriage return are kept in form
values (text areas), and turned into spaces in query-string values (with the other word
separators: vertical tab, form feed, U+2028 …).
"""

from __future__ import annotations

from typing import Any

from flask import Request
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.utils import cached_property

from search.interface.query import clean_text


def clean_value(value: str, *, multiline: bool = True) -> str:
    """``value`` without control characters (tab and line breaks kept if ``multiline``);
    the rule is search's own (:func:`search.interface.query.clean_text`), so a query typed
    in a page and one given to the library are read alike."""
    return clean_text(value, multiline=multiline)


def _clean(data: MultiDict[str, Any], *, multiline: bool) -> ImmutableMultiDict[str, Any]:
    items = [
        (
            clean_value(k, multiline=False),
            clean_value(v, multiline=multiline) if isinstance(v, str) else v,
        )
        for k, v in data.items(multi=True)
    ]
    return ImmutableMultiDict(items)


class CleanRequest(Request):
    """Flask's request whose ``args`` and ``form`` carry no control characters."""

    @cached_property
    def args(self) -> ImmutableMultiDict[str, str]:  # type: ignore[override]
        return _clean(super().args, multiline=False)

    def _load_form_data(self) -> None:
        super()._load_form_data()
        form = self.__dict__.get("form")
        if form is not None:
            self.__dict__["form"] = _clean(form, multiline=True)
