"""Naming the likely mistake: the grader computes the common wrong answers of a case and says
which one the student's result matches. Hints point at the idea, never at the answer line.
"""
import math

from grader import expect
from grader.compare import close, first_difference

# name: (title, hint)
MISTAKES = {
    "overwrite": ("overwrote .grad instead of accumulating",
                  "A value can feed several nodes, and each adds its share to .grad. "
                  "Add to the gradient that is already there rather than replacing it."),
    "no_upstream": ("forgot to multiply by out.grad",
                    "Chain rule: what reaches an input is the local derivative times the gradient that "
                    "arrived at the output, out.grad."),
    "overwrite_no_upstream": ("overwrote .grad and forgot out.grad",
                              "Two things: accumulate into .grad, and scale the local derivative by out.grad."),
    "sign": ("the sign of the gradient is flipped", "Check the sign of the local derivative you wrote."),
    "add_one_side": ("only one operand got a gradient",
                     "d(a + b)/da and d(a + b)/db are both 1: both inputs receive out.grad."),
    "mul_own_value": ("each operand was scaled by its own value",
                      "d(a * b)/da is b, not a: each side's gradient is scaled by the *other* operand's data."),
    "pow_wrong_exponent": ("wrong exponent in the power rule",
                           "d/dx x**n = n * x**(n - 1): check both the factor and the exponent."),
    "pow_no_factor": ("the power rule is missing its factor n",
                      "d/dx x**n = n * x**(n - 1): the exponent comes down as a factor."),
    "relu_always": ("gradient flows through a negative relu",
                    "relu is flat (slope 0) where its input is negative: no gradient passes there."),
    "relu_by_value": ("relu's slope was taken as its output value",
                      "relu's slope is 1 where it is active and 0 elsewhere, not out.data itself."),
    "tanh_input": ("used the input where the output belongs",
                   "d/dx tanh(x) = 1 - tanh(x)**2: it is written with the output t = tanh(x), not with x."),
    "tanh_no_square": ("tanh's derivative is missing a square", "d/dx tanh(x) = 1 - tanh(x)**2."),
    "exp_input": ("used the input where the output belongs",
                  "e**x is its own derivative: the local derivative is the output of exp, not x."),
    "log_output": ("used the output where the input belongs",
                   "d/dx log(x) = 1/x, with x the input of log, not its output."),
    "log_wrong": ("log's derivative is not 1/x", "d/dx log(x) = 1/x."),
    "forward": ("the forward computation changed",
                "out.data is given in the exercise file; only the body of _backward is yours. Compare it "
                "with a fresh copy of the exercise."),
    "no_seed": ("forgot the seed",
                "Backpropagation starts with d out / d out = 1 at the node backward() was called on."),
    "no_topo": ("no topological order",
                "A node may only pass its gradient on once every node that uses it has passed theirs: "
                "build a topological order first, then go through it in reverse."),
    "twice": ("some node's _backward ran more than once",
              "Reused nodes are reached along several paths: remember which nodes you have visited."),
    "missed": ("not every node's _backward ran",
               "Every node the output depends on must pass its gradient on, not only the direct inputs."),
    "neuron_no_tanh": ("the neuron forgot its nonlinearity", "With nonlin=True the output is tanh(w . x + b)."),
    "neuron_tanh_always": ("tanh was applied although nonlin=False",
                           "With nonlin=False a neuron is linear: just w . x + b."),
    "neuron_no_bias": ("the bias is missing from the activation", "The activation is w . x + b: start the sum from b."),
    "order": ("parameters() is missing values or in the wrong order",
              "List each neuron's weights in order, then its bias; layer by layer, neuron by neuron."),
    "zero_grad": ("zero_grad() does not reset every gradient", "Set .grad = 0 on every parameter."),
    "ce_sign": ("the loss has the wrong sign",
                "Cross-entropy is the *negative* log-probability of the target: it must be >= 0."),
    "ce_overflow": ("overflow with large logits",
                    "exp(1000) overflows. Subtracting the largest logit from every logit changes neither "
                    "the loss nor its gradient, and keeps exp() in range."),
    "ce_underflow": ("the target's probability underflowed to 0",
                     "For logits like [1000, 0, -1000] a probability can round to 0 and log(0) fails. Work "
                     "in log space: log softmax = shifted logit - log(sum of exp of shifted logits)."),
    "ce_cut_graph": ("no gradient reaches the logits",
                     "The loss must be built from Value operations on the logits; using .data or math.* "
                     "makes plain floats, which cut the graph."),
    "adam_no_bias_correction": ("AdamW without bias correction",
                                "m and v start at 0, so early averages are too small: divide them by "
                                "(1 - beta**t) before the update."),
    "adam_coupled_decay": ("weight decay added to the gradient (Adam + L2, not AdamW)",
                           "AdamW decouples the decay: subtract lr * weight_decay * p from p directly, "
                           "not through the moments."),
    "adam_eps_inside": ("eps inside the square root", "The denominator is sqrt(v_hat) + eps."),
    "adam_decay_no_lr": ("weight decay not scaled by lr", "The decay step is lr * weight_decay * p."),
    "adam_t_not_counted": ("the step count t is not advanced",
                           "Bias correction uses t = 1, 2, 3, ...: count each step before correcting."),
    "loop_no_zero_grad": ("forgot zero_grad", "Gradients accumulate: clear them after each update, "
                          "or the next step adds to stale ones."),
    "loop_no_step": ("the optimiser never updates the parameters", "Each step ends with optimizer.step()."),
    "loop_no_backward": ("no gradients: backward() was never called", "Call loss.backward() before the update."),
}


def _local(op, x, y, p=None):
    return {"add": None, "mul": None, "pow": lambda: p * x ** (p - 1), "relu": lambda: 1.0 if y > 0 else 0.0,
            "tanh": lambda: 1 - y**2, "exp": lambda: y, "log": lambda: 1 / x}[op]()


def _op_variants(op, case, want):
    """(mistake, grads) pairs: each common mistake's result on this case."""
    g, same = case["g"], case.get("same", False)
    x = case["a"]
    y = want["out"]
    if op in ("add", "mul"):
        b = x if same else case["b"]
        locals_ = [1.0, 1.0] if op == "add" else [b, x]
        presets = [case["ga"]] if same else [case["ga"], case["gb"]]
    else:
        locals_ = [_local(op, x, y, case.get("p"))]
        presets = [case["ga"]]

    def accumulate(ls, style="correct"):
        if same:
            total = {"correct": case["ga"] + g * (ls[0] + ls[1]), "overwrite": g * ls[1],
                     "no_upstream": case["ga"] + ls[0] + ls[1], "overwrite_no_upstream": ls[1],
                     "sign": case["ga"] - g * (ls[0] + ls[1])}[style]
            return [total]
        return [{"correct": p + g * l, "overwrite": g * l, "no_upstream": p + l, "overwrite_no_upstream": l,
                 "sign": p - g * l}[style] for p, l in zip(presets, ls)]

    out = [(style, accumulate(locals_, style)) for style in ("overwrite", "no_upstream", "overwrite_no_upstream", "sign")]
    wrong = []
    if op == "add" and not same:
        out.append(("add_one_side", [presets[0] + g, presets[1]]))
    if op == "mul":
        wrong.append(("mul_own_value", [x, b] if not same else [x, x]))
    if op == "pow":
        p = case["p"]
        for v in (lambda: p * x**p, lambda: (p - 1) * x ** (p - 2), lambda: p * x ** (p + 1)):
            wrong.append(("pow_wrong_exponent", [_safe(v)]))
        wrong.append(("pow_no_factor", [_safe(lambda: x ** (p - 1))]))
    if op == "relu":
        wrong += [("relu_always", [1.0]), ("relu_by_value", [y])]
    if op == "tanh":
        wrong += [("tanh_input", [1 - x**2]), ("tanh_no_square", [1 - y])]
    if op == "exp":
        wrong.append(("exp_input", [x]))
    if op == "log":
        wrong += [("log_output", [_safe(lambda: 1 / y)]), ("log_wrong", [x])]
    out += [(name, accumulate(ls)) for name, ls in wrong if None not in ls]
    return out


def _safe(f):
    try:
        v = f()
        return v if isinstance(v, float) and math.isfinite(v) else (float(v) if isinstance(v, int) else None)
    except (ArithmeticError, ValueError):
        return None


def _explains(got, want, candidate):
    """Does `candidate` account for every gradient `got` has wrong? (A mistake may touch one input only.)"""
    if not (isinstance(got, list) and len(got) == len(want) == len(candidate)):
        return False
    wrong = [i for i, (g, w) in enumerate(zip(got, want)) if not close(g, w)]
    return bool(wrong) and all(candidate[i] is not None and close(got[i], candidate[i])
                               and not close(want[i], candidate[i]) for i in wrong)


def engine_op(op, case, got, want):
    if not close(got.get("out"), want["out"]):
        return "forward"
    for name, grads in _op_variants(op, case, want):
        if _explains(got.get("grads"), want["grads"], grads):
            return name
    return None


def backward(case, got, want):
    nodes = expect.graph_nodes(case)
    grads = got.get("grads")
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


def neuron(case, got, want):
    act = case["b"] + sum(w * x for w, x in zip(case["w"], case["x"]))
    out = got.get("out")
    if case["nonlin"] and close(out, act) and not close(act, math.tanh(act)):
        return "neuron_no_tanh"
    if not case["nonlin"] and close(out, math.tanh(act)) and not close(act, math.tanh(act)):
        return "neuron_tanh_always"
    no_bias = act - case["b"]
    if case["b"] and close(out, math.tanh(no_bias) if case["nonlin"] else no_bias):
        return "neuron_no_bias"
    return None


def structural(got):
    if isinstance(got.get("order"), str) and got["order"]:
        return "order"
    if isinstance(got.get("zero_grad"), str) and got["zero_grad"]:
        return "zero_grad"
    return None


def cross_entropy(case, got, want):
    out = got.get("out")
    if close(out, -want["out"]) and want["out"] > 1e-12:
        return "ce_sign"
    if isinstance(out, float) and (math.isinf(out) or math.isnan(out)):
        return "ce_overflow"
    grads = got.get("grads")
    if isinstance(grads, list) and grads and all(close(v, 0.0) for v in grads) and close(out, want["out"]):
        return "ce_cut_graph"
    return None


class _AdamVariant:
    """AdamW with one ingredient changed, to recognise a student's mistake by its trajectory."""

    def __init__(self, params, lr, betas, eps, weight_decay, mistake):
        self.params, self.lr, (self.b1, self.b2), self.eps, self.wd = params, lr, betas, eps, weight_decay
        self.mistake, self.t = mistake, 0
        self.m = [0.0] * len(params)
        self.v = [0.0] * len(params)

    def step(self):
        if self.mistake != "adam_t_not_counted":
            self.t += 1
        t = max(self.t, 1)
        for i, p in enumerate(self.params):
            g = p.grad + (self.wd * p.data if self.mistake == "adam_coupled_decay" else 0.0)
            self.m[i] = self.b1 * self.m[i] + (1 - self.b1) * g
            self.v[i] = self.b2 * self.v[i] + (1 - self.b2) * g**2
            m_hat, v_hat = self.m[i] / (1 - self.b1**t), self.v[i] / (1 - self.b2**t)
            if self.mistake == "adam_no_bias_correction":
                m_hat, v_hat = self.m[i], self.v[i]
            denom = math.sqrt(v_hat + self.eps) if self.mistake == "adam_eps_inside" else math.sqrt(v_hat) + self.eps
            decay = 0.0 if self.mistake == "adam_coupled_decay" else self.wd * p.data
            if self.mistake == "adam_decay_no_lr":
                p.data -= self.lr * m_hat / denom + decay
            else:
                p.data -= self.lr * (m_hat / denom + decay)


def adamw(case, got, want):
    for mistake in ("adam_no_bias_correction", "adam_coupled_decay", "adam_eps_inside", "adam_decay_no_lr",
                    "adam_t_not_counted"):
        variant = expect.adamw(case, lambda ps, mistake=mistake, **kw: _AdamVariant(ps, mistake=mistake, **kw))
        if not first_difference(got, variant) and first_difference(want, variant):
            return mistake
    return structural(got)


def loop(case, got, want):
    for name, flags in (("loop_no_zero_grad", {"zero_grad": False}), ("loop_no_step", {"step": False}),
                        ("loop_no_backward", {"backward": False})):
        variant = expect.loop(case, **flags)
        if not first_difference(got.get("losses"), variant["losses"]):
            return name
    return None


def diagnose(test_id, case, got, want):
    """The name of the known mistake `got` matches on this case (a key of MISTAKES), or None."""
    try:
        part, name = test_id.split(".")
        if part == "engine" and name != "backward":
            return engine_op(name, case, got, want)
        if test_id == "engine.backward":
            return backward(case, got, want)
        if test_id == "nn.neuron":
            return structural(got) or neuron(case, got, want)
        if part == "nn":
            return structural(got)
        if test_id == "train.cross_entropy":
            return cross_entropy(case, got, want)
        if test_id == "train.adamw":
            return adamw(case, got, want)
        if test_id == "train.loop":
            return loop(case, got, want)
    except (ArithmeticError, ValueError, TypeError, KeyError, AttributeError):
        return None  # odd values: no diagnosis rather than a wrong one
    return None


def diagnose_error(test_id, error):
    """The known mistake an exception points to, or None."""
    kind, message = error.get("type", ""), error.get("message", "")
    if test_id == "train.cross_entropy":
        if kind == "OverflowError":
            return "ce_overflow"
        if kind in ("ValueError", "ZeroDivisionError") and ("domain" in message or "division" in message):
            return "ce_underflow"
    return None
