"""The code's shape, checked: the import contracts of pyproject.toml ([tool.importlinter]: apps
depend downwards, no cycles inside a package, layers inside an app, the read side imports no
services) and no module importing another module's private names."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("jctgov", "proposals", "grants")
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(config: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), str(config), "--no-cache"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_import_contracts_hold():
    result = lint_imports(ROOT / "pyproject.toml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_a_broken_contract_fails_the_check(tmp_path):
    """Not vacuous: a contract the code breaks (presenters do use the domain module) fails."""
    config = tmp_path / "contracts.toml"
    config.write_text(
        "[tool.importlinter]\n"
        'root_packages = ["jctgov", "proposals", "grants"]\n'
        "[[tool.importlinter.contracts]]\n"
        'name = "presenters without the domain"\n'
        'type = "forbidden"\n'
        'source_modules = ["proposals.presenters"]\n'
        'forbidden_modules = ["proposals.domain"]\n'
    )
    result = lint_imports(config)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "proposals.presenters -> proposals.domain" in result.stdout


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = path.relative_to(ROOT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _private_imports(name: str, path: Path, modules: dict[str, Path]) -> set[tuple[str, str, str]]:
    """(importer, imported module, name) for every ``from m import _x`` and ``m._x`` where m is
    another module of ours."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    bound: dict[str, str] = {}  # local name -> our module it stands for
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                full = f"{base}.{alias.name}"
                if full in modules:
                    bound[alias.asname or alias.name] = full
                elif base in modules and base != name and alias.name.startswith("_"):
                    found.add((name, base, alias.name))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname and alias.name in modules:
                    bound[alias.asname] = alias.name
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in bound
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
        ):
            found.add((name, bound[node.value.id], node.attr))
    return found


def test_no_module_imports_another_modules_private_names():
    modules = _modules()
    found = set()
    for name, path in modules.items():
        found |= _private_imports(name, path, modules)
    assert found == set(), "make these public (with a docstring) or keep them in one module"


@pytest.mark.parametrize(
    "source, expected",
    [
        ("from jctgov.chain.client import _rpc\n", {("m", "jctgov.chain.client", "_rpc")}),
        (
            "from jctgov.chain import client\nclient._rpc('x')\n",
            {("m", "jctgov.chain.client", "_rpc")},
        ),
        (
            "from jctgov.chain import client as c\nc._lock\n",
            {("m", "jctgov.chain.client", "_lock")},
        ),
        ("from jctgov.chain.client import rpc_errors\nself._x\n", set()),
    ],
)
def test_the_private_name_check_sees_both_spellings(tmp_path, source, expected):
    path = tmp_path / "m.py"
    path.write_text(source)
    modules = {"jctgov.chain.client": Path("client.py"), "jctgov.chain": Path("__init__.py")}
    assert _private_imports("m", path, modules) == expected
