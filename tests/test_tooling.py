"""Lint and type checks run with the tests, so one command checks everything."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _tool(name: str) -> str:
    path = Path(sys.executable).with_name(name)
    found = str(path) if path.exists() else shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed (pip install -e '.[test]')")
    return found


def test_ruff_finds_nothing() -> None:
    result = subprocess.run([_tool("ruff"), "check", "."], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_finds_nothing() -> None:
    result = subprocess.run([_tool("mypy")], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_imports_follow_the_layers() -> None:
    """The layer contract in pyproject.toml (docs/ARCHITECTURE.md): no package imports one above it."""
    result = subprocess.run([_tool("lint-imports")], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


PRODUCT_PACKAGES = (
    "core",
    "lexicon",
    "residents",
    "knowledge",
    "tickets",
    "bot",
    "api",
    "channels",
    "console",
    "hotline",
)


def test_no_product_module_is_over_300_lines() -> None:
    """Small modules (docs/STYLE.md): past ~300 lines a module is asking to be split. Migrations aside."""
    long = {
        str(path.relative_to(ROOT)): count
        for package in PRODUCT_PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts and (count := len(path.read_text(encoding="utf-8").splitlines())) > 300
    }
    assert long == {}


def test_the_dockerfile_copies_every_product_package() -> None:
    """The image is built from the packages one by one: a new package must be added there too."""
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    missing = [package for package in PRODUCT_PACKAGES if f"COPY {package} {package}" not in dockerfile]
    assert missing == []


def test_every_data_file_of_a_product_package_is_installed() -> None:
    """`pip install .` (the README's first command) ships only the files package-data names: templates,
    console assets, lexicon and content files must all be among them."""
    import fnmatch
    import tomllib

    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"][
        "package-data"
    ]["*"]
    left_out = [
        str(path.relative_to(ROOT))
        for package in PRODUCT_PACKAGES
        for path in (ROOT / package).rglob("*")
        if path.is_file()
        and path.suffix not in {".py", ".pyc"}
        and "__pycache__" not in path.parts
        and not any(fnmatch.fnmatch(path.name, pattern) for pattern in patterns)
    ]
    assert left_out == []
