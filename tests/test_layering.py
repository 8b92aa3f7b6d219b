"""The integration's imports run one way: no module imports from one that imports it."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).parent.parent / "custom_components" / "smsservicecenter"


def _module_name(path: Path) -> str:
    """Return the dotted name of a module of the package, relative to it."""
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, modules: set[str]) -> set[str]:
    """Return the package's modules that a module imports, type-only imports included."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.ImportFrom) or not node.level:
            continue
        base = package.split(".") if package else []
        base = base[: len(base) - node.level + 1]
        target = ".".join([*base, *([node.module] if node.module else [])])
        found |= {target} & modules
        found |= {f"{target}.{alias.name}".strip(".") for alias in node.names} & modules
    return found - {name}


def test_no_import_cycles() -> None:
    """Test no chain of imports leads a module back to itself."""
    paths = list(PACKAGE.rglob("*.py"))
    modules = {_module_name(path) for path in paths}
    graph = {_module_name(path): _imports(path, modules) for path in paths}
    cycles: list[list[str]] = []

    def visit(module: str, chain: list[str]) -> None:
        for imported in graph[module]:
            if imported in chain:
                cycles.append([*chain[chain.index(imported) :], imported])
            elif imported not in done:
                visit(imported, [*chain, imported])
        done.add(module)

    done: set[str] = set()
    for module in graph:
        visit(module, [module])

    assert graph["send"] >= {"account", "budget", "coordinator", "errors", "outbox"}
    assert not cycles
