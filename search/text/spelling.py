"""Edit distances for spelling corrections: the one rule search and the gazetteer share."""

from __future__ import annotations


def max_distance(word: str) -> int:
    """Edit distance allowed when correcting ``word``."""
    return 1 if len(word) <= 5 else 2


def edit_distance(a: str, b: str) -> int:
    """Damerau-Levenshtein distance (optimal string alignment) between two short words:
    a swap of two adjacent letters ("samll", "tabeltop") counts as one edit."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            d = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb and ca != cb:
                d = min(d, prev2[j - 2] + 1)
            cur.append(d)
        prev2, prev = prev, cur
    return prev[-1]


def transpositions(word: str) -> set[str]:
    """``word`` with two adjacent letters swapped, every way (``samll`` -> ``small`` …)."""
    return {
        word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        for i in range(len(word) - 1)
        if word[i] != word[i + 1]
    }
