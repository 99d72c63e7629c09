"""Issue #10: no import cycles inside ``backoffice/``.

The graph is built from the AST of every module, counting module-level AND function-level
imports: an import tucked inside a function still means "this module needs that one", and
~120 such imports used to hide two cycles. Only imports under ``if TYPE_CHECKING:`` are left
out (they never run). Importing ``a.b.c`` runs the packages ``a`` and ``a.b`` too, but those
implicit edges are not counted: every package would otherwise be in a cycle with its children.
"""
import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "backoffice"

# (importer, imported) edges that may close a cycle, each with the reason it cannot be avoided.
ALLOWED = {}


def module_names():
    names = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        names[".".join(parts)] = (path, is_package)
    return names


def _is_type_checking(node):
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree):
    """Every Import/ImportFrom node, skipping ``if TYPE_CHECKING:`` bodies."""
    stack = [tree]
    while stack:
        node = stack.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                stack.extend(child.orelse)
                continue
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                yield child
            stack.append(child)


def _known(name, modules):
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def imported_modules(name, is_package, node, modules):
    if isinstance(node, ast.Import):
        targets = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:
            package = name.split(".") if is_package else name.split(".")[:-1]
            package = package[: len(package) - (node.level - 1)]
            base = ".".join(package + ([base] if base else []))
        # ``from pkg import sub`` imports the submodule when there is one, else pkg itself
        targets = [
            f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
            for alias in node.names
        ]
    return {m for m in (_known(t, modules) for t in targets) if m and m != name}


def import_graph():
    modules = module_names()
    graph = {}
    for name, (path, is_package) in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        edges = set()
        for node in _imports(tree):
            edges |= imported_modules(name, is_package, node, modules)
        graph[name] = {t for t in edges if (name, t) not in ALLOWED}
    return graph


def strongly_connected(graph):
    """Tarjan's algorithm, iterative; returns components of more than one module."""
    index, low, on_stack, stack, found = {}, {}, set(), [], []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
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
    return found


def cycle_path(graph, component):
    """One concrete cycle through the component's first module, for the failure message."""
    members = set(component)
    start = component[0]
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for child in sorted(graph[node] & members):
            if child == start:
                return paths[node] + [start]
            if child not in paths:
                paths[child] = paths[node] + [child]
                queue.append(child)
    return component


def test_graph_sees_the_package():
    graph = import_graph()
    assert "backoffice.models" in graph and "backoffice.cli" in graph
    # function-level imports count: create_app imports the views inside the function
    assert "backoffice.views" in graph["backoffice"]


def test_cycle_finder_finds_a_planted_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    components = strongly_connected(graph)
    assert components == [["a", "b", "c"]]
    assert cycle_path(graph, components[0]) == ["a", "b", "c", "a"]


def test_no_import_cycles_inside_backoffice():
    graph = import_graph()
    cycles = [" -> ".join(cycle_path(graph, c)) for c in strongly_connected(graph)]
    components = [", ".join(c) for c in strongly_connected(graph)]
    assert not cycles, "import cycles:\n" + "\n".join(
        f"  {path}\n    (all of: {members})" for path, members in zip(cycles, components)
    )


def test_only_the_app_factory_imports_views():
    """Issue #10: services, imports, jobs and models do not import views (labels and display
    formatting they need live in backoffice/labels.py and backoffice/formatting.py)."""
    graph = import_graph()
    offenders = {
        name: sorted(t for t in targets if t == "backoffice.views" or t.startswith("backoffice.views."))
        for name, targets in graph.items()
        if name != "backoffice" and not name.startswith("backoffice.views")
    }
    assert {k: v for k, v in offenders.items() if v} == {}
