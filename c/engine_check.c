/* Checks the engine's ops and backward pass against micrograd_ref: builds one expression that
 * uses every op, backpropagates, and prints each node's data and grad as Python's repr would,
 * "name data grad" per line. tests/test_c.py builds the same expression in Python. */
#include <stdio.h>

#include "float_repr.h"
#include "micrograd.h"

static void show(const char *name, const Value *v)
{
    char data[FLOAT_REPR_SIZE], grad[FLOAT_REPR_SIZE];
    printf("%s %s %s\n", name, float_repr(v->data, data), float_repr(v->grad, grad));
}

int main(void)
{
    Graph g;
    graph_init(&g);
    Value a = value_leaf(-4.0), b = value_leaf(2.0);
    Value *c = value_add(&g, &a, &b);                                        /* a + b */
    Value *d = value_add(&g, value_mul(&g, &a, &b), value_pow(&g, &b, 3));   /* a * b + b**3 */
    c = value_add(&g, c, value_add_num(&g, c, 1));                           /* c + (c + 1) */
    c = value_add(&g, value_add(&g, value_add_num(&g, c, 1), c), value_neg(&g, &a));  /* c + 1 + c + -a */
    d = value_add(&g, value_add(&g, d, value_mul_num(&g, d, 2)),
                  value_relu(&g, value_add(&g, &b, &a)));                    /* d + d * 2 + (b + a).relu() */
    d = value_add(&g, value_add(&g, d, value_mul_num(&g, d, 3)),
                  value_relu(&g, value_sub(&g, &b, &a)));                    /* d + 3 * d + (b - a).relu() */
    Value *e = value_sub(&g, c, d);                                          /* c - d */
    Value *f = value_pow(&g, e, 2);                                          /* e**2 */
    Value *h = value_mul_num(&g, f, py_pow(2.0, -1));                        /* f / 2.0 */
    h = value_add(&g, h, value_mul_num(&g, value_pow(&g, f, -1), 10.0));     /* h + 10.0 / f */
    Value *k = value_add(&g, value_tanh(&g, value_mul_num(&g, h, 0.01)),
                         value_exp(&g, value_mul_num(&g, &a, 0.1)));         /* (h * 0.01).tanh() + (a * 0.1).exp() */
    k = value_sub_num(&g, value_add(&g, k, value_log(&g, value_div(&g, &b, f))), 0.5);  /* k + (b / f).log() - 0.5 */
    backward(&g, k);
    show("a", &a);
    show("b", &b);
    show("c", c);
    show("d", d);
    show("e", e);
    show("f", f);
    show("h", h);
    show("k", k);
    graph_free(&g);
    return 0;
}
