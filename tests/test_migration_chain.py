"""The migration chain stays one line: exactly one head, and every file's revision is unique.

Two sessions landing migrations numbered alike would otherwise leave two heads, and
``flask db upgrade`` would refuse to run on a fresh install."""

from __future__ import annotations

import re
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def test_one_head_and_numbered_files_match_their_revision():
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    script = ScriptDirectory.from_config(config)
    assert len(script.get_heads()) == 1, script.get_heads()
    for path in sorted((MIGRATIONS / "versions").glob("*.py")):
        number = re.match(r"(\d{4})_", path.name)
        assert number, f"{path.name}: name migrations NNNN_what.py"
        text = path.read_text(encoding="utf-8")
        revision = re.search(r"^revision = ['\"]([^'\"]+)['\"]", text, re.MULTILINE)
        assert revision and revision.group(1) == number.group(1), path.name
