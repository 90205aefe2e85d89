# engine.numerical_grad: the student's numerical_grad on a plain function the grader chose (a
# float in, a float out), by name; the parent knows each one's derivative.

NG_FUNCTIONS = {
    "lecture": lambda x: 3 * x**2 - 4 * x + 5,
    "cubic": lambda x: x**3 - 2 * x + 1,
    "sin": lambda x: math.sin(x),
    "exp": lambda x: math.exp(x),
    "tanh": lambda x: math.tanh(x),
    "log": lambda x: math.log(x),
    "inverse": lambda x: 1 / x,
}


def run_numerical_grad(mods, case, ref):
    numerical_grad = _getattr(mods["engine"], "numerical_grad", None)
    if not _callable(numerical_grad):
        return {"structure": "no function numerical_grad(f, x, h=1e-6) in your engine", "mistake": "ng_missing"}
    f = NG_FUNCTIONS[case["f"]]
    got = numerical_grad(f, case["x"]) if "h" not in case else numerical_grad(f, case["x"], h=case["h"])
    return {"grad": number(got)}
