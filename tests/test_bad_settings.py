"""Bad settings (ITSCM_DB, ITSCM_QUESTIONNAIRES): a one-line message naming the setting, never a traceback.

The catalogue skips a questionnaire folder or file that does not load, with a warning naming it and
its first problem, and keeps serving every good one; every command of the command line, run with
each bad setting, exits 0 or 1 with a message that names the setting.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest

from cli import main
from questionnaires.catalog import (
    EXTRA_DIR_VARIABLE,
    SHIPPED_DIR,
    available_questionnaires,
    catalogue_warnings,
    get_questionnaire,
)
from storage import (
    backup_database,
    close_thread_connections,
    create_assessment,
    create_organisation,
    get_or_create_respondent,
    open_database,
    save_answer,
    set_assessment_status,
)

# The settings under test name the SQLite file (ITSCM_DB); PostgreSQL's is tested in test_storage_postgres.
pytestmark = pytest.mark.sqlite_only

ROOT = Path(__file__).resolve().parent.parent
MINI = ROOT / "tests" / "fixtures" / "mini.yaml"
SHIPPED = get_questionnaire("itscm", "2026.1")
SHIPPED_IDS = ["itscm", "itscm"]  # 2026.1 and 2026.2


def _extra_root(tmp_path: Path) -> Path:
    """A folder of extra questionnaires: one broken folder, one good folder, one good single file."""
    root = tmp_path / "questionnaires"
    (root / "broken").mkdir(parents=True)
    (root / "broken" / "questionnaire.yaml").write_text("id: itscm-broken\nversion: [\n")
    shutil.copytree(SHIPPED_DIR / "itscm", root / "newer")
    head = root / "newer" / "questionnaire.yaml"
    head.write_text(head.read_text().replace(f'version: "{SHIPPED.version}"', 'version: "2099.1"'))
    shutil.copy(MINI, root / "mini.yaml")
    return root


# The catalogue


def test_a_broken_extra_folder_is_skipped_with_a_warning_and_every_good_questionnaire_still_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _extra_root(tmp_path)
    monkeypatch.setenv(EXTRA_DIR_VARIABLE, str(root))
    loaded = [(q.id, q.version) for q in available_questionnaires()]
    assert loaded == [("itscm", "2026.1"), ("itscm", "2026.2"), ("mini", "1.0"), ("itscm", "2099.1")]
    assert get_questionnaire("itscm", SHIPPED.version) == SHIPPED
    (warning,) = catalogue_warnings()
    assert warning.startswith(f"ITSCM_QUESTIONNAIRES: skipped {root / 'broken'}: ")
    assert "questionnaire.yaml:3: this is not valid YAML" in warning
    assert "\n" not in warning


def test_a_broken_single_file_reports_its_first_problem_and_how_to_see_the_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "questionnaires"
    root.mkdir()
    shutil.copy(ROOT / "tests" / "bad_questionnaires" / "wrong_types.yaml", root / "wrong.yaml")
    monkeypatch.setenv(EXTRA_DIR_VARIABLE, str(root))
    assert [q.id for q in available_questionnaires()] == SHIPPED_IDS
    (warning,) = catalogue_warnings()
    assert f"skipped {root / 'wrong.yaml'}: version at " in warning
    assert f"2 more problem(s): `python cli.py validate {root / 'wrong.yaml'}` lists them all" in warning


def test_a_second_copy_of_an_installed_questionnaire_is_skipped_with_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "questionnaires"
    shutil.copytree(SHIPPED_DIR / "itscm", root / "copy")
    monkeypatch.setenv(EXTRA_DIR_VARIABLE, str(root))
    assert [q.id for q in available_questionnaires()] == SHIPPED_IDS
    (warning,) = catalogue_warnings()
    assert f"version '{SHIPPED.version}' is already installed from {SHIPPED_DIR / 'itscm'}" in warning


@pytest.mark.parametrize(
    ("make", "problem"),
    [(lambda tmp: MINI, "is a file, not a folder"), (lambda tmp: tmp / "missing", "does not exist")],
    ids=["a file", "a missing folder"],
)
def test_itscm_questionnaires_naming_no_folder_gives_a_warning_and_the_shipped_questionnaire(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make: Callable[[Path], Path], problem: str
) -> None:
    monkeypatch.setenv(EXTRA_DIR_VARIABLE, str(make(tmp_path)))
    assert [q.id for q in available_questionnaires()] == SHIPPED_IDS
    (warning,) = catalogue_warnings()
    assert warning.startswith(f"ITSCM_QUESTIONNAIRES={make(tmp_path)} {problem}")
    assert "point it at a folder" in warning


def test_an_extra_folder_without_questionnaire_files_is_ignored_quietly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "notes.txt").write_text("not a questionnaire")
    (tmp_path / ".git").mkdir()
    monkeypatch.setenv(EXTRA_DIR_VARIABLE, str(tmp_path))
    assert [q.id for q in available_questionnaires()] == SHIPPED_IDS
    assert catalogue_warnings() == ()


# Every command with every bad setting


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A sound database with one completed assessment (id 1), a backup of it, and an export of another."""
    folder = tmp_path_factory.mktemp("template")

    def one_assessment(path: Path, name: str) -> None:
        db = open_database(path)
        organisation = create_organisation(db, name, "Retail", "250-999 employees", "Europe")
        assessment = create_assessment(db, organisation.id, SHIPPED, "FY2026", date(2026, 1, 15))
        person = get_or_create_respondent(db, assessment.id, "Manager")
        save_answer(db, SHIPPED, assessment.id, person.id, SHIPPED.questions[0].id, 3)
        set_assessment_status(db, assessment.id, "completed")
        db.close()

    one_assessment(folder / "itscm.db", "Harbour Retail")
    backup_database(folder / "itscm.db", folder / "backup.db")
    one_assessment(folder / "elsewhere.db", "Elsewhere Ltd")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ITSCM_DB", str(folder / "elsewhere.db"))
        assert main(["export", "1", str(folder / "elsewhere.json")]) == 0
        close_thread_connections()
    return {"db": folder / "itscm.db", "backup": folder / "backup.db", "json": folder / "elsewhere.json"}


def _answers_csv(tmp: Path) -> Path:
    path = tmp / "answers.csv"
    path.write_text("question_id,level\nRISK-01,3\n")
    return path


# Each command: its arguments, and whether it uses the database and the questionnaire catalogue.
COMMANDS: dict[str, tuple[Callable[[Path, dict[str, Path]], list[str]], bool, bool]] = {
    "validate": (lambda tmp, t: ["validate", str(MINI)], False, False),
    "score": (lambda tmp, t: ["score", str(MINI), str(_answers_csv(tmp))], False, False),
    "backup": (lambda tmp, t: ["backup", str(tmp / "out" / "backup.db")], True, False),
    "restore": (lambda tmp, t: ["restore", str(t["backup"])], True, False),
    "list": (lambda tmp, t: ["list"], True, False),
    "export": (lambda tmp, t: ["export", "1", str(tmp / "out" / "one.json")], True, True),
    "export --portfolio": (lambda tmp, t: ["export", "--portfolio", str(tmp / "out" / "all.xlsx")], True, True),
    "import": (lambda tmp, t: ["import", str(t["json"])], True, True),
    "demo": (lambda tmp, t: ["demo"], True, True),
    "demo --remove": (lambda tmp, t: ["demo", "--remove"], True, True),
}


def _unwritable(tmp: Path) -> Path:
    if not Path("/proc/self").is_dir():
        pytest.skip("needs Linux's /proc, where no file can be created (tests may run as root)")
    return Path("/proc/itscm.db")


def _under_a_file(tmp: Path) -> Path:
    (tmp / "plain.txt").write_text("a file, not a folder")
    return tmp / "plain.txt" / "itscm.db"


def _not_a_database(tmp: Path) -> Path:
    (tmp / "notes.db").write_text("meeting notes, not a database\n")
    return tmp / "notes.db"


def _folder(tmp: Path) -> Path:
    (tmp / "a-folder").mkdir()
    return tmp / "a-folder"


BAD_DATABASES: dict[str, Callable[[Path], Path]] = {
    "a folder": _folder,
    "parent is a file": _under_a_file,
    "not a database": _not_a_database,
    "unwritable": _unwritable,
}


def _broken_folder(tmp: Path) -> Path:
    root = tmp / "questionnaires"
    (root / "broken").mkdir(parents=True)
    (root / "broken" / "questionnaire.yaml").write_text("id: [\n")
    return root


BAD_QUESTIONNAIRES: dict[str, Callable[[Path], Path]] = {
    "a broken folder": _broken_folder,
    "a file": lambda tmp: MINI,
    "a missing folder": lambda tmp: tmp / "missing",
}


@pytest.fixture(autouse=True)
def _fresh_connections() -> Iterator[None]:
    yield
    close_thread_connections()


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(argv)
    return code, capsys.readouterr().err


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("setting", list(BAD_DATABASES))
def test_every_command_with_a_bad_itscm_db_exits_cleanly_naming_the_setting(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    template: dict[str, Path],
    setting: str,
    command: str,
) -> None:
    arguments, uses_database, _uses_catalogue = COMMANDS[command]
    bad = BAD_DATABASES[setting](tmp_path)
    before = bad.read_bytes() if bad.is_file() else None
    monkeypatch.setenv("ITSCM_DB", str(bad))
    monkeypatch.delenv(EXTRA_DIR_VARIABLE, raising=False)
    code, err = _run(arguments(tmp_path, template), capsys)
    if uses_database:
        assert code == 1
        assert err.startswith("error: ")
        assert err.count("\n") == 1, err
        assert "ITSCM_DB" in err
    else:
        assert code == 0, err
    if before is not None:
        assert bad.read_bytes() == before


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("setting", list(BAD_QUESTIONNAIRES))
def test_every_command_with_a_bad_itscm_questionnaires_exits_cleanly_with_a_warning(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    template: dict[str, Path],
    setting: str,
    command: str,
) -> None:
    arguments, _uses_database, uses_catalogue = COMMANDS[command]
    shutil.copy(template["db"], tmp_path / "itscm.db")
    monkeypatch.setenv("ITSCM_DB", str(tmp_path / "itscm.db"))
    monkeypatch.setenv(EXTRA_DIR_VARIABLE, str(BAD_QUESTIONNAIRES[setting](tmp_path)))
    code, err = _run(arguments(tmp_path, template), capsys)
    assert code == 0, err
    warnings = err.splitlines()
    if uses_catalogue:
        assert len(warnings) == 1
        assert warnings[0].startswith("warning: ITSCM_QUESTIONNAIRES")
    else:
        assert warnings == []


@pytest.mark.parametrize(
    ("variable", "make", "argv"),
    [
        ("ITSCM_DB", _folder, ["list"]),
        ("ITSCM_DB", _not_a_database, ["export", "1", "out.json"]),
        (EXTRA_DIR_VARIABLE, _broken_folder, ["demo"]),
    ],
    ids=["list, database is a folder", "export, not a database", "demo, broken questionnaire folder"],
)
def test_a_real_process_prints_no_traceback(
    tmp_path: Path, variable: str, make: Callable[[Path], Path], argv: list[str]
) -> None:
    env = {"ITSCM_DB": str(tmp_path / "itscm.db"), "PATH": "/usr/bin:/bin", variable: str(make(tmp_path))}
    done = subprocess.run(
        [sys.executable, str(ROOT / "cli.py"), *argv],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode in (0, 1)
    assert "Traceback" not in done.stderr
    assert variable in done.stderr
