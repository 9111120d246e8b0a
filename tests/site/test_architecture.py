"""The product's modules import one way: no cycle, no module reaching into another's private
names, and no import of our own code deferred into a function (the way cycles were hidden).
Read from the source with `ast`; tests, benches and migrations aside."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("challenge", "submissions", "config")


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


MODULES = _modules()


def _ours(name: str) -> bool:
    return name.split(".")[0] in PACKAGES


def _resolve(node: ast.ImportFrom, module: str, path: Path) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    base = base[: len(base) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def _imports(module: str, path: Path):
    """(imported module, imported name or None, line, whether inside a function) for our modules."""
    tree = ast.parse(path.read_text())
    inside = {id(sub) for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
              for sub in ast.walk(node) if sub is not node}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if _ours(alias.name):
                    yield alias.name, None, node.lineno, id(node) in inside
        elif isinstance(node, ast.ImportFrom):
            source = _resolve(node, module, path)
            if not _ours(source):
                continue
            for alias in node.names:
                target = f"{source}.{alias.name}"
                if target in MODULES:  # `from package import module`
                    yield target, None, node.lineno, id(node) in inside
                else:
                    yield source, alias.name, node.lineno, id(node) in inside


def _graph() -> dict[str, set[str]]:
    graph = {module: set() for module in MODULES}
    for module, path in MODULES.items():
        for target, _, _, deferred in _imports(module, path):
            if target in MODULES and target != module and not deferred:
                graph[module].add(target)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan, iteratively)."""
    index, low, stack, on_stack, found, counter = {}, {}, [], set(), [], [0]
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
            elif child not in index:
                index[child] = low[child] = counter[0]
                counter[0] += 1
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph[child]))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return found


def test_the_products_modules_import_each_other_without_a_cycle():
    assert _cycles(_graph()) == []


def test_a_cycle_would_be_found():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_module_imports_another_modules_private_names():
    reaching = []
    for module, path in MODULES.items():
        for target, name, line, _ in _imports(module, path):
            if name and name.startswith("_") and not name.startswith("__") and target != module:
                reaching.append(f"{path.relative_to(ROOT)}:{line} imports {target}.{name}")
    assert reaching == []


def test_no_import_of_our_own_code_is_deferred_into_a_function():
    # A deferred import may keep a heavy third-party module (scipy, boto3) out of start-up; our
    # own modules are never that, and deferring one only hides a cycle.
    deferred = [f"{path.relative_to(ROOT)}:{line} imports {target}"
                for module, path in MODULES.items() for target, _, line, inside in _imports(module, path) if inside]
    assert deferred == []
