"""The shape of the code: no import cycles under bot/, and a core that knows no transport.

Read from the source with `ast`, so every import counts, also those inside functions
(imported lazily) and under `if TYPE_CHECKING:`: a cycle hidden in a function still
ties two modules together, and breaks as soon as someone moves the import to the top.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

from bot.config import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "bot"
# The channel-agnostic core: Incoming -> [Reply], whatever platform the words came from.
CORE = ("bot.engine", "bot.flows", "bot.knowledge", "bot.matching")
LIBRARIES = {"telegram", "pywa", "pywa_async", "aiohttp", "httpx"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PROJECT_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@functools.cache
def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imported(path: Path, name: str) -> set[str]:
    """Every module `name` imports, anywhere in the file; `from a import b` names `a.b`
    when that is a module of ours, else `a`."""
    known = modules()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from .x import y
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                found.add(candidate if candidate in known else base)
    return found


def import_graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imported(path, name) & known.keys() for name, path in known.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as [a, b, ..., a], or None."""
    done: set[str] = set()
    for start in sorted(graph):
        if start in done:
            continue
        path: list[str] = []
        on_path: set[str] = set()
        stack = [(start, iter(sorted(graph[start])))]
        path.append(start)
        on_path.add(start)
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                path.pop()
                on_path.discard(node)
                done.add(node)
            elif child in on_path:
                return [*path[path.index(child) :], child]
            elif child not in done:
                stack.append((child, iter(sorted(graph[child]))))
                path.append(child)
                on_path.add(child)
    return None


def test_finds_a_cycle_and_names_it() -> None:
    """The search itself: a cycle three modules long is found, and a tree is not one."""
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_reads_lazy_and_relative_imports(tmp_path: Path) -> None:
    source = tmp_path / "bot" / "channels" / "x.py"
    source.parent.mkdir(parents=True)
    source.write_text(
        "from . import flood\n"
        "def later():\n"
        "    from bot.runtime import Services\n"
        "    import telegram.ext\n",
        encoding="utf-8",
    )
    found = imported(source, "bot.channels.x")
    assert {"bot.channels.flood", "bot.runtime", "telegram.ext"} <= found


def test_no_import_cycles() -> None:
    graph = import_graph()
    assert len(graph) > 40  # the whole package was read, not an empty folder
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_the_core_knows_no_transport() -> None:
    """What the core imports, directly or through other modules of ours, leads to no
    channel and no messaging library."""
    known = modules()
    everything = {name: imported(path, name) for name, path in known.items()}
    for core in sorted(name for name in known if name.startswith(CORE)):
        seen = {core}
        todo = [core]
        while todo:
            current = todo.pop()
            for target in sorted(everything[current]):
                leak = target.partition(".")[0] in LIBRARIES or target.startswith("bot.channels")
                assert not leak, f"{core} reaches {target} (through {current})"
                if target in known and target not in seen:
                    seen.add(target)
                    todo.append(target)
