"""The deployment zip: the app and its runtime dependencies, none of their test suites."""

from __future__ import annotations

import zipfile
from pathlib import Path, PurePosixPath

from local.deploy_template import APP_ENTRIES, lean_zip
from tests.deploy.conftest import Packaged

TEST_DIRS = {"tests", "test"}


def _names(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        return archive.namelist()


def test_the_zip_carries_no_dependency_tests(
    packaged: Packaged, deploy_facts: dict[str, str]
) -> None:
    names = _names(packaged.package.zip_path)
    leftovers = [
        name
        for name in names
        if PurePosixPath(name).parts[0] not in APP_ENTRIES
        and TEST_DIRS & set(PurePosixPath(name).parts[:-1])
    ]
    assert leftovers == []
    assert not [n for n in names if n.startswith("icalendar/tests/")]
    assert any(n.startswith("icalendar/") for n in names)  # the library itself stays
    assert packaged.package.stripped_entries > 0
    assert {"app.py", "chalicelib/__init__.py", "chalicelib/reconcile.py"} <= set(names)
    # boto3 comes with the Lambda runtime and is not shipped.
    assert not [n for n in names if n.startswith(("boto3/", "botocore/"))]
    print(f"\ndeployment.zip: {packaged.package.zip_bytes} bytes")
    deploy_facts.setdefault("zip entries", str(len(names)))


def _zip(path: Path, names: list[str]) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        for name in names:
            archive.writestr(name, f"content of {name}")


def test_lean_zip_strips_dependency_tests_and_is_deterministic(tmp_path: Path) -> None:
    names = [
        "zeta/tests/test_z.py",
        "app.py",
        "chalicelib/tests_helper.py",
        "icalendar/tests/calendars/x.ics",
        "icalendar/cal.py",
        "certifi/tests/__init__.py",
        "pkg/test/data.bin",
        "pkg/__pycache__/m.cpython-311.pyc",
        "pkg/module.py",
        "chalicelib/tests/kept.py",
        "chalicelib/__pycache__/rooms.cpython-311.pyc",
        "app.cpython-311.pyc",
    ]
    first, second = tmp_path / "a.zip", tmp_path / "b.zip"
    _zip(first, names)
    _zip(second, list(reversed(names)))
    removed = lean_zip(first, first)
    lean_zip(second, second)
    assert sorted(removed) == sorted(
        [
            "zeta/tests/test_z.py",
            "icalendar/tests/calendars/x.ics",
            "certifi/tests/__init__.py",
            "pkg/test/data.bin",
            "pkg/__pycache__/m.cpython-311.pyc",
            "chalicelib/__pycache__/rooms.cpython-311.pyc",
            "app.cpython-311.pyc",
        ]
    )
    # The app's own sources are never touched, whatever they are called; bytecode never ships.
    kept = ["app.py", "chalicelib/tests_helper.py", "chalicelib/tests/kept.py"]
    assert _names(first) == sorted([*kept, "icalendar/cal.py", "pkg/module.py"])
    # Same content in any order gives the same bytes: an unchanged app is a no-op deploy.
    assert first.read_bytes() == second.read_bytes()
