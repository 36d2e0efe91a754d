"""``python -m search.evaluate --part fit --cv``: settings chosen on "fit" read out of fold,
and the standard error printed beside each mean."""

from __future__ import annotations

import math
import re

import pytest

from search.evaluate import cross_validate, main, standard_error
from search.matching import MatchConfig


def test_standard_error_of_a_mean() -> None:
    assert standard_error([0.5]) == 0.0
    values = [0.0, 1.0, 1.0, 0.0]
    assert standard_error(values) == round(math.sqrt(1 / 3 / 4), 4)


def test_cross_validation_reads_each_setting_in_and_out_of_fold() -> None:
    lines = cross_validate(MatchConfig(), {"title_boost": (1,)}, folds=2, repeats=1)
    assert re.match(r"\d+ 'fit' requests, 2 folds x 1", lines[0])
    line = lines[1]
    in_sample = dict(re.findall(r"(\d): (0\.\d{4})", line.split(";")[0]))
    assert set(in_sample) == {"2", "1"}
    out_of_fold = float(re.search(r"chosen on the other folds (0\.\d{4})", line)[1])
    low, high = sorted(float(v) for v in in_sample.values())
    assert low - 0.1 <= out_of_fold <= high + 0.1  # a mean of the same per-request figures
    assert re.search(r"better than neutral on \d+ requests, worse on \d+", line)


def test_cv_reads_the_fit_part_only(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["--cv"])
    assert "--cv reads the fit part only" in capsys.readouterr().err
