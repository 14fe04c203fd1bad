"""The error-code registry is the API's contract: every code the code base can raise is in it,
with the status it is raised with (jctgov/core/error_codes.py)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from jctgov.core import error_codes as E
from jctgov.core.error_codes import REGISTRY, ErrorCode, lookup

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [ROOT / "jctgov", ROOT / "proposals", ROOT / "grants"]
# The exception classes of jctgov.core.errors and their statuses; subclasses found in the
# code base inherit a status or set their own.
BASE_STATUSES = {
    "ApplicationError": 400,
    "NotFound": 404,
    "Conflict": 409,
    "Forbidden": 403,
    "Unauthorized": 401,
    "ServiceUnavailable": 503,
}
# Refusals that take their code by position, turned into ApplicationError elsewhere (the status
# is chosen there): callee -> index of the code argument.
POSITIONAL = {"SiweRefusal": 0, "SignatureError": 0, "BadSignature": 1, "_refusal": 2}


def _trees() -> Iterator[tuple[Path, ast.Module]]:
    for source in SOURCES:
        for path in sorted(source.rglob("*.py")):
            if "migrations" not in path.parts:
                yield path, ast.parse(path.read_text(), filename=str(path))


TREES = list(_trees())


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    return node.attr if isinstance(node, ast.Attribute) else ""


def _strings(node: ast.expr | None) -> list[str]:
    """The code(s) an argument can be: a string, or either branch of ``a if c else b``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _strings(node.body) + _strings(node.orelse)
    return []


def _exception_statuses() -> dict[str, int]:
    """Every ApplicationError subclass in the code base by name, with its status."""
    statuses = dict(BASE_STATUSES)
    classes = [n for _, tree in TREES for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]
    for _ in range(3):  # subclasses of subclasses
        for cls in classes:
            base = next((statuses[_name(b)] for b in cls.bases if _name(b) in statuses), None)
            if base is None:
                continue
            own = [
                s.value.value
                for s in cls.body
                if isinstance(s, ast.Assign)
                and [_name(t) for t in s.targets] == ["status"]
                and isinstance(s.value, ast.Constant)
            ]
            statuses[cls.name] = own[0] if own else base
    return statuses


STATUSES = _exception_statuses()


def _helper_statuses() -> dict[str, int]:
    """Functions that raise (or return) one of those exceptions with their own ``code``
    argument — ``require_state(obj, states, code=...)`` — with that exception's status."""
    helpers = {}
    for _, tree in TREES:
        for func in ast.walk(tree):
            if not isinstance(func, ast.FunctionDef):
                continue
            if "code" not in [a.arg for a in func.args.args + func.args.kwonlyargs]:
                continue
            for call in ast.walk(func):
                if isinstance(call, ast.Call) and _name(call.func) in STATUSES:
                    forwarded = [k for k in call.keywords if k.arg == "code"]
                    if forwarded and _name(forwarded[0].value) == "code":
                        helpers[func.name] = STATUSES[_name(call.func)]
    return helpers


def raised_codes() -> list[tuple[str, int | None, str]]:
    """(code, status or None when it is chosen elsewhere, where) for every code in the code
    base: keyword ``code="..."`` on an error or helper call, positional refusal codes, and the
    ``code`` class attribute of error classes."""
    callers = {**STATUSES, **_helper_statuses()}
    found = []
    for path, tree in TREES:
        where = path.relative_to(ROOT)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                callee = _name(node.func)
                keywords = {k.arg: k.value for k in node.keywords}
                if callee == "Transition" and "code" in keywords:  # a per-action refusal
                    for code in _strings(keywords["code"]):
                        found.append((code, 409, f"{where}:{node.lineno}"))
                elif callee in callers and "code" in keywords:
                    status = keywords.get("status")
                    fixed = status.value if isinstance(status, ast.Constant) else None
                    as_raised = fixed or (None if status else callers[callee])
                    for code in _strings(keywords["code"]):
                        found.append((code, as_raised, f"{where}:{node.lineno}"))
                elif callee in POSITIONAL and len(node.args) > POSITIONAL[callee]:
                    for code in _strings(node.args[POSITIONAL[callee]]):
                        found.append((code, None, f"{where}:{node.lineno}"))
            elif isinstance(node, ast.ClassDef) and any(
                isinstance(s, ast.Assign) and [_name(t) for t in s.targets] == ["STATE_REFUSAL"]
                for s in node.body
            ):
                # A model's state-machine refusal (jctgov.core.transitions.require): a 409.
                for stmt in node.body:
                    if (
                        isinstance(stmt, ast.Assign)
                        and [_name(t) for t in stmt.targets] == ["STATE_REFUSAL"]
                        and isinstance(stmt.value, ast.Tuple)
                    ):
                        for code in _strings(stmt.value.elts[0]):
                            found.append((code, 409, f"{where}:{stmt.lineno}"))
            elif isinstance(node, ast.ClassDef) and node.name in STATUSES:
                for stmt in node.body:
                    if isinstance(stmt, ast.Assign) and [_name(t) for t in stmt.targets] == [
                        "code"
                    ]:
                        for code in _strings(stmt.value):
                            found.append((code, STATUSES[node.name], f"{where}:{node.lineno}"))
    return found


RAISED = raised_codes()
BASE_CLASS_CODES = {"invalid", "not_found", "conflict", "forbidden", "service_unavailable"}


def test_the_scan_sees_the_code_base():
    codes = {code for code, _, _ in RAISED}
    assert len(codes) > 100
    assert {"not_steward", "lease_bad_state", "program_not_found", "chain_unavailable"} <= codes
    assert {"malformed_message", "signature_malformed", "bad_signature"} <= codes  # positional


@pytest.mark.parametrize(
    ("code", "status", "where"), RAISED, ids=[f"{c}@{w}" for c, _, w in RAISED]
)
def test_every_raised_code_is_registered_with_its_status(code, status, where):
    if code in BASE_CLASS_CODES and where.startswith("jctgov/core/errors.py"):
        return  # the defaults of the base classes: every raise names its own code
    entry = lookup(code)
    assert entry is not None, f"{where} raises {code!r}: add it to jctgov/core/error_codes.py"
    if status is not None:
        assert status in entry.statuses, f"{where} raises {code!r} as {status}: {entry}"


def test_the_exception_handlers_own_codes_are_registered():
    from rest_framework import exceptions as drf

    from jctgov.core.errors import _DRF_CODES, _FIELD_CODES

    for code in set(_FIELD_CODES.values()):
        assert 400 in lookup(code).statuses, code
    for exception, code in _DRF_CODES.items():
        assert exception.status_code in lookup(code).statuses, code
    assert lookup("server_error").status == 500
    assert drf.ValidationError.status_code == 400


def test_each_code_is_registered_once_and_named_after_itself():
    entries = {name: v for name, v in vars(E).items() if isinstance(v, ErrorCode)}
    assert len(entries) == len(REGISTRY)
    for name, entry in entries.items():
        assert name == entry.code.upper(), name
        assert entry.code.islower() and " " not in entry.code
        assert 400 <= entry.status < 600 and entry.description.endswith((".", ")"))


def test_a_code_is_answered_with_another_status_only_where_registered():
    assert E.BAD_SIGNATURE.at(401).status == 401
    assert E.BAD_SIGNATURE.at(401).code == "bad_signature"
    with pytest.raises(ValueError, match="not_steward is not answered with 401"):
        E.NOT_STEWARD.at(401)
