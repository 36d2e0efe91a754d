"""Form helpers shared by the blueprints' forms."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from wtforms import SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget


def choices(options: Mapping[str, str] | Iterable[tuple[object, str]]) -> list[SelectChoice]:
    """``SelectChoice`` options from a code table or ``(value, label)`` pairs."""
    pairs = options.items() if isinstance(options, Mapping) else options
    return [SelectChoice(value, label) for value, label in pairs]


class MultiCheckboxField(SelectMultipleField):
    """A list of check boxes: readable and usable on a phone, unlike a multi-select."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()
