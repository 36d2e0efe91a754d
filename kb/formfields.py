"""Form helpers shared by the blueprints' forms."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from flask_babel import lazy_gettext
from wtforms import SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget


def choices(options: Mapping[str, str] | Iterable[tuple[object, str]]) -> list[SelectChoice]:
    """``SelectChoice`` options from a code table or ``(value, label)`` pairs.

    A code table's labels are translated when shown (interface language); the labels of
    ``(value, label)`` pairs are data (names) and shown as they are.
    """
    if isinstance(options, Mapping):
        return [SelectChoice(value, lazy_gettext(label)) for value, label in options.items()]
    return [SelectChoice(value, label) for value, label in options]


class MultiCheckboxField(SelectMultipleField):
    """A list of check boxes: readable and usable on a phone, unlike a multi-select."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()
