"""The command line loads only what a command needs: `validate` and `--help` start without the heavy libraries."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SHIPPED = REPO_ROOT / "questionnaires" / "itscm-2026.2"
HEAVY = ("pandas", "numpy", "plotly", "openpyxl", "sqlite_utils", "docx", "reportlab", "streamlit")

# Runs the command line in a fresh interpreter and prints the top-level modules it loaded.
_PROBE = """
import json, sys
from cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exit:
    code = exit.code
print(json.dumps({"code": code, "modules": sorted({name.split(".")[0] for name in sys.modules})}))
"""


def _loaded_by(*argv: str, env: dict[str, str] | None = None) -> tuple[int, set[str]]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *argv],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    return report["code"], set(report["modules"])


def test_validate_of_the_shipped_questionnaire_loads_no_heavy_library() -> None:
    code, modules = _loaded_by("validate", str(SHIPPED))
    assert code == 0
    assert "questionnaires" in modules
    assert modules.isdisjoint(HEAVY), sorted(modules.intersection(HEAVY))


def test_help_loads_no_heavy_library() -> None:
    code, modules = _loaded_by("--help")
    assert code == 0
    assert modules.isdisjoint(HEAVY), sorted(modules.intersection(HEAVY))


def test_a_command_that_uses_the_database_still_loads_storage_when_it_runs(tmp_path: Path) -> None:
    code, modules = _loaded_by("list", env={**os.environ, "ITSCM_DB": str(tmp_path / "startup.db")})
    assert code == 0
    assert "sqlite_utils" in modules
