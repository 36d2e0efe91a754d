"""Text analysis: folding, stop words, stems, the thesaurus and snippets."""
