#!/usr/bin/env python3
"""Fails when modules of one crate import each other in a cycle.

A module's dependencies are the other top-level modules of its crate that its files name as
`crate::NAME` (in `use` lines or paths), outside `#[cfg(test)]` blocks at the end of a file.
A crate's layers are then a graph that must have no cycle (ARCHITECTURE.md, docs/style.md):
arrows point one way, so each module can be read before the ones that use it.

    .ci/module_cycles.py [CRATES_DIR]    # default: crates
"""

import pathlib
import re
import sys

CRATE_PATH = re.compile(r"\bcrate::([a-z_][a-z0-9_]*)")


def top_module(src: pathlib.Path, file: pathlib.Path) -> str | None:
    """`foo` for src/foo.rs and src/foo/bar.rs; None for the crate root (lib.rs, main.rs)."""
    rel = file.relative_to(src)
    if len(rel.parts) == 1:
        stem = rel.stem
        return None if stem in ("lib", "main") else stem
    return rel.parts[0]


def code_of(text: str) -> str:
    """The file without its trailing test module and without comments."""
    cut = re.search(r"^#\[cfg\(test\)\]\s*\n\s*mod tests", text, re.M)
    if cut:
        text = text[: cut.start()]
    return "\n".join(line.split("//")[0] for line in text.splitlines())


def cycles(src: pathlib.Path) -> list[list[str]]:
    graph: dict[str, set[str]] = {}
    for file in src.rglob("*.rs"):
        module = top_module(src, file)
        if module is None:
            continue
        deps = graph.setdefault(module, set())
        for name in CRATE_PATH.findall(code_of(file.read_text(encoding="utf-8"))):
            if name != module:
                deps.add(name)
    found: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the path, 2: done

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for dep in sorted(graph.get(node, ())):
            if dep not in graph:
                continue
            if state.get(dep) == 1:
                found.append(path[path.index(dep):] + [dep])
            elif state.get(dep) is None:
                visit(dep, path + [dep])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return found


def main() -> int:
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "crates")
    failed = False
    for src in sorted(root.glob("*/src")):
        for cycle in cycles(src):
            failed = True
            print(f"{src.parent.name}: modules import each other: {' → '.join(cycle)}")
    if not failed:
        print("no import cycle between the modules of any crate")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
