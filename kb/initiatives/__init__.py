"""Initiatives: the landscape of ongoing, planned and completed capacity-building work, who
funds and implements it and where — imported from IATI activity files or written by the
Secretariat — and the possible overlaps between them."""
