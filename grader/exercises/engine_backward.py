"""engine.backward: the student's backward() (topological order, seed 1, chain rule), on graphs
whose nodes and local derivatives the grader builds, so only the traversal is graded."""
from grader.pipeline import protocol
from grader.exercises import Exercise, child_source
from micrograd_ref.engine import Value


def graph_cases(r, n_random, deep=0):
    """Graphs: nodes in creation order, each with children (indices) and local derivatives."""
    leaf = lambda x: {"data": x, "children": [], "local": []}  # noqa: E731
    cases = [
        {"name": "a single node (the seed)", "nodes": [leaf(2.0)]},
        {"name": "a chain", "nodes": [leaf(1.0), {"data": 2.0, "children": [0], "local": [3.0]},
                                      {"data": 3.0, "children": [1], "local": [-0.5]}]},
        {"name": "a diamond", "nodes": [leaf(1.0), {"data": 2.0, "children": [0], "local": [2.0]},
                                        {"data": 3.0, "children": [0], "local": [-1.5]},
                                        {"data": 4.0, "children": [1, 2], "local": [0.5, 4.0]}]},
        {"name": "a reused non-leaf node", "nodes": [leaf(0.5), {"data": 1.0, "children": [0], "local": [2.0]},
                                                     {"data": 1.0, "children": [1, 1], "local": [3.0, -1.0]},
                                                     {"data": 1.0, "children": [2, 1], "local": [0.5, 1.5]}]},
    ]
    for k in range(n_random):
        size = r.randint(6, 14)
        nodes = [leaf(round(r.uniform(-2, 2), 4)) for _ in range(r.randint(2, 3))]
        while len(nodes) < size:
            children = [r.randrange(len(nodes)) for _ in range(r.randint(1, 3))]
            nodes.append({"data": round(r.uniform(-2, 2), 4), "children": children,
                          "local": [round(r.uniform(-2, 2), 4) for _ in children]})
        # the root uses the last few nodes, so most of the graph is reachable
        last = list(range(max(0, len(nodes) - 3), len(nodes)))
        nodes.append({"data": 1.0, "children": last, "local": [round(r.uniform(-2, 2), 4) for _ in last]})
        cases.append({"name": f"a random graph of {len(nodes)} nodes", "nodes": nodes})
    if deep:
        cases.append({"name": f"a chain {deep} nodes deep", "chain": deep, "local": 1.0, "deep": True})
    return cases


def draw(r, hidden):
    return graph_cases(r, 4 if hidden else 3, deep=0 if hidden else 10_000)


def graph_nodes(case):
    """The case's nodes, the deep chain's spelled out."""
    if "nodes" in case:
        return case["nodes"]
    nodes = [{"data": 1.0, "children": [], "local": []}]
    nodes += [{"data": 1.0, "children": [k], "local": [case["local"]]} for k in range(case["chain"])]
    return nodes


def reference(case):
    nodes = []
    for spec in graph_nodes(case):
        children = tuple(nodes[i] for i in spec["children"])
        nodes.append(Value(spec["data"], children, "f", tuple(spec["local"])))
    nodes[-1].backward()
    return {"grads": [float(v.grad) for v in nodes]}


def torch_values(case):
    """Each node is sum(local_i * child_i): a graph whose local derivatives are the case's."""
    from grader.pipeline.torch_expect import scalar

    nodes = []
    for spec in graph_nodes(case):
        if not spec["children"]:
            nodes.append(scalar(spec["data"]))
        else:
            v = sum(d * nodes[i] for i, d in zip(spec["children"], spec["local"]))
            v.retain_grad()
            nodes.append(v)
    nodes[-1].backward()
    return {"grads": [0.0 if v.grad is None else v.grad.item() for v in nodes]}


def describe(case):
    return f"backward() on {case.get('name', 'a graph')}"


def inputs(case):
    from grader.views.report_graphs import show

    nodes = case.get("nodes")
    size = len(nodes) if nodes else case.get("chain", 0) + 1
    rows = [("graph", case.get("name", "")), ("nodes", str(size))]
    if "chain" in case:
        rows.append(("local derivative of every link", show(case["local"])))
    rows.append(("upstream gradient", f"backward() is called on n{size - 1}, whose grad it seeds with 1"))
    return rows


def label(key, index, case):
    return f"n{index[0]}.grad" if key == "grads" and index else None


def graph(failure):
    """The graph of the case, or None when it is hidden or too big to draw."""
    from grader.views.report_graphs import MAX_NODES, WRONG_GRAD, CaseGraph, listed, mark, number

    case = failure.inputs
    size = len(case["nodes"]) if "nodes" in case else case.get("chain", MAX_NODES) + 1
    if size > MAX_NODES:
        return None
    nodes = []
    for spec in graph_nodes(case):
        children = tuple(nodes[i] for i in spec["children"])
        # the op node lists the local derivatives, one per child, in order
        op = "local " + ", ".join(f"{x:g}" for x in spec["local"]) if children else ""
        nodes.append(Value(spec["data"], children, op, tuple(spec["local"])))
    want, got = listed(failure.expected, "grads"), listed(failure.got, "grads")
    for v, g in zip(nodes, want):
        v.grad = number(g)
    labels = {v: f"n{i}" for i, v in enumerate(nodes)}
    colors, notes = {}, {}
    for v, g, w in zip(nodes, got, want):
        mark(v, g, w, "grad", colors, notes, WRONG_GRAD)
    return CaseGraph(nodes[-1], labels, colors, notes)


MISTAKES = {
    "no_seed": ("forgot the seed",
                "Backpropagation starts with d out / d out = 1 at the node backward() was called on."),
    "no_topo": ("no topological order",
                "A node may only pass its gradient on once every node that uses it has passed theirs: "
                "build a topological order first, then go through it in reverse."),
    "twice": ("some node's _backward ran more than once",
              "Reused nodes are reached along several paths: remember which nodes you have visited."),
    "once": ("backward() works only once",
             "The first backward() was right; the second, on a fresh graph over the same leaves (as the next "
             "training step builds), was not. Something survives between calls: a mutable default argument "
             "(visited=set(), topo=[] in a def line is made once, not per call) or an order kept on the "
             "class or the module. Make the list and the set inside backward()."),
    "missing_backward": ("Value has no method backward",
                         "Write backward() in class Value: order the graph, seed the output's gradient with 1, "
                         "then call every node's _backward in reverse order."),
    "missed": ("not every node's _backward ran",
               "Every node the output depends on must pass its gradient on, not only the direct inputs."),
}


def diagnose(case, got, want):
    from grader.pipeline.compare import close

    if got.get("mistake"):
        return got["mistake"]
    nodes = graph_nodes(case)
    grads = got.get("grads")
    first = got.get("first")
    if (isinstance(first, list) and len(first) == len(want["grads"]) and all(map(close, first, want["grads"]))
            and isinstance(grads, list) and not (len(grads) == len(want["grads"]) and all(map(close, grads, want["grads"])))):
        return "once"
    if isinstance(grads, list) and grads and all(close(v, 0.0) for v in grads):
        return "no_seed"
    calls = got.get("calls") or []
    users = {k: set() for k in range(len(nodes))}
    for k, spec in enumerate(nodes):
        for c in spec["children"]:
            users[c].add(k)
    reachable, todo = {len(nodes) - 1}, [len(nodes) - 1]
    while todo:
        for c in nodes[todo.pop()]["children"]:
            if c not in reachable:
                reachable.add(c)
                todo.append(c)
    if len(calls) != len(set(calls)):
        return "twice"
    done = set()
    for k in calls:
        if any(u in reachable and u not in done for u in users.get(k, ())):  # k: any index the code reported
            return "no_topo"
        done.add(k)
    if any(nodes[k]["children"] and k not in done for k in reachable):
        return "missed"
    return None


EXERCISE = Exercise(
    id="engine.backward", points=6, draw=draw, reference=reference, torch=torch_values,
    values=protocol.one_of(protocol.record(grads=protocol.numbers, calls=protocol.calls, first=protocol.numbers),
                           protocol.record(structure=protocol.text(), mistake=protocol.text(64))),
    runner=(child_source("engine_backward.py"),), entry="run_backward", describe=describe,
    mistakes=MISTAKES, diagnose=diagnose, inputs=inputs, label=label, graph=graph)
