"""The shape of the code in sim/: short functions, and imports that go one way."""

from __future__ import annotations

import ast
from pathlib import Path

SIM = Path(__file__).resolve().parent.parent / "sim"
MAX_FUNCTION_LINES = 60

# Functions still longer than the limit, by "path:qualified name": each to be split, then struck
# from this list (the test fails for a listed function that is short or gone, so the list only shrinks).
KNOWN_LONG: set[str] = set()


def _functions(tree: ast.AST, prefix: str = ""):
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield f"{prefix}{node.name}", node
            yield from _functions(node, f"{prefix}{node.name}.")
        elif isinstance(node, ast.ClassDef):
            yield from _functions(node, f"{prefix}{node.name}.")


def _modules():
    for path in sorted(SIM.rglob("*.py")):
        yield path.relative_to(SIM.parent).as_posix(), ast.parse(path.read_text(encoding="utf-8"))


def _lengths() -> dict[str, int]:
    return {f"{where}:{name}": node.end_lineno - node.lineno + 1
            for where, tree in _modules() for name, node in _functions(tree)}


def test_no_function_is_longer_than_sixty_lines() -> None:
    lengths = _lengths()
    too_long = {f: n for f, n in lengths.items() if n > MAX_FUNCTION_LINES and f not in KNOWN_LONG}
    assert not too_long, f"functions over {MAX_FUNCTION_LINES} lines (split them): {too_long}"


def test_the_list_of_long_functions_only_shrinks() -> None:
    lengths = _lengths()
    done = sorted(f for f in KNOWN_LONG if lengths.get(f, 0) <= MAX_FUNCTION_LINES)
    assert not done, f"strike these from KNOWN_LONG, they are short now (or gone): {done}"


def _imports(tree: ast.AST, package: str) -> set[str]:
    """Absolute names of the sim modules a module imports (relative imports resolved)."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            name = ".".join([*base, node.module] if node.module else base)
            out.add(name)
            out.update(f"{name}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return {n for n in out if n == "sim" or n.startswith("sim.")}


def _within(names: set[str], package: str) -> set[str]:
    return {n for n in names if n == package or n.startswith(package + ".")}


def test_layers_import_one_way() -> None:
    """Nothing imports the command line; the experiment layer and the dashboard import neither
    each other nor anything private of another module."""
    for where, tree in _modules():
        module = where[:-3].replace("/", ".")
        package = module.rsplit(".", 1)[0] if not module.endswith("__init__") else module[: -len(".__init__")]
        imported = _imports(tree, package)
        assert not _within(imported, "sim.cli"), where
        if module.startswith("sim.lab."):
            assert not _within(imported, "sim.dashboard"), where
        if module.startswith("sim.dashboard."):
            assert not _within(imported, "sim.lab"), where
        if module.startswith(("sim.dashboard.", "sim.lab.")):
            private = {n for n in imported if n.rsplit(".", 1)[-1].startswith("_") and not n.endswith("__")}
            assert not private, f"{where} imports private names: {private}"
