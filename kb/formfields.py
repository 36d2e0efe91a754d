"""Form helpers shared by the blueprints' forms."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from wtforms import SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget

from kb import codes


def choices(options: Mapping[str, str] | Iterable[tuple[object, str]]) -> list[SelectChoice]:
    """``SelectChoice`` options from a code table or ``(value, label)`` pairs.

    A code table's labels are translated when shown (interface language); the labels of
    ``(value, label)`` pairs are data (names) and shown as they are.
    """
    if isinstance(options, Mapping):
        return [SelectChoice(value, codes.lazy_label(options, value)) for value in options]
    return [SelectChoice(value, label) for value, label in options]


class MultiCheckboxField(SelectMultipleField):
    """A list of check boxes: readable and usable on a phone, unlike a multi-select.

    Boxes have no order, but a stored list has one (a record's first theme is its main
    theme for matching): on an edit, the values still ticked keep their stored order and
    newly ticked ones follow, so saving the form unchanged changes nothing."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def process_formdata(self, valuelist: list[str]) -> None:
        super().process_formdata(valuelist)
        stored = self.object_data if isinstance(self.object_data, list | tuple) else []
        if stored and self.data:
            ticked = set(self.data)
            kept = [value for value in stored if value in ticked]
            self.data = list(dict.fromkeys([*kept, *self.data]))
