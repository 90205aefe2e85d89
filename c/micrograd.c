/* micrograd in C: the twin of micrograd_ref's engine, data, nn, losses and optim (train.c is
 * the twin of its train).
 *
 * Each section below is one module of micrograd_ref, and each
 * function the twin of its Python namesake (value_add is Value.__add__, adamw_step is
 * AdamW.step, loss_fn is loss_fn). The floating-point operations are the reference's, in the
 * reference's order: another order (or x * x for x**2) would change the last bits of the
 * numbers, and after a few dozen steps the printed losses.
 */
#include "micrograd.h"

#include <math.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* p, unless the allocation that returned it failed: then the program stops */
static void *checked(void *p)
{
    if (p == NULL) {
        fputs("micrograd: out of memory\n", stderr);
        exit(1);
    }
    return p;
}

static void *xmalloc(size_t size)
{
    return checked(malloc(size ? size : 1));
}

static void *xcalloc(size_t count, size_t size)
{
    return checked(calloc(count ? count : 1, size));
}

static void *xrealloc(void *p, size_t size)
{
    return checked(realloc(p, size));
}

/* ==== engine.py: Value and the chain rule ============================================= */

/* Python's float ** float. CPython hands finite operands to the C library's pow at run time.
 * The call goes through a pointer the compiler cannot see through: it would otherwise turn
 * pow(x, 2.0) into x * x, which differs from pow in the last bit for about one x in 1000. */
static double (*const volatile libm_pow)(double, double) = pow;

double py_pow(double x, double y)
{
    return libm_pow(x, y);
}

/* ---- the graph's memory: chunks handed out front to back, all taken back at once ---- */

enum { CHUNK_SIZE = 1 << 20, ALIGN = alignof(max_align_t) };

struct Chunk {
    Chunk *next;
    size_t size;             /* bytes in data */
    max_align_t data[];
};

struct Frame {
    Value *node;
    int next_child;          /* the index in node->prev of the next child to visit */
};

void graph_init(Graph *g)
{
    *g = (Graph){0};
}

/* `size` bytes that live until graph_clear(g). */
void *graph_alloc(Graph *g, size_t size)
{
    size = (size + ALIGN - 1) / ALIGN * ALIGN;
    if (g->current == NULL || g->used + size > g->current->size) {
        /* the next chunk, kept from an earlier pass, or a new one when it is too small */
        Chunk **link = g->current ? &g->current->next : &g->chunks;
        if (*link == NULL || (*link)->size < size) {
            size_t chunk_size = size > CHUNK_SIZE ? size : CHUNK_SIZE;
            Chunk *chunk = xmalloc(sizeof(Chunk) + chunk_size);
            chunk->next = *link;
            chunk->size = chunk_size;
            *link = chunk;
        }
        g->current = *link;
        g->used = 0;
    }
    void *p = (char *)g->current->data + g->used;
    g->used += size;
    return p;
}

/* Free every node of the graph; the memory is kept for the next forward pass. */
void graph_clear(Graph *g)
{
    g->current = NULL;
    g->used = 0;
}

void graph_free(Graph *g)
{
    while (g->chunks) {
        Chunk *next = g->chunks->next;
        free(g->chunks);
        g->chunks = next;
    }
    free(g->topo);
    free(g->stack);
    graph_init(g);
}

/* ---- Value ---- */

/* Value(data): a leaf, such as a parameter, that lives outside any graph. */
Value value_leaf(double data)
{
    return (Value){.data = data, .op = ""};
}

/* Value(data) in the graph `g`. */
Value *value_new(Graph *g, double data)
{
    Value *out = graph_alloc(g, sizeof *out);
    *out = value_leaf(data);
    return out;
}

/* Value(data, (child,), op, (local_grad,)) */
static Value *node1(Graph *g, double data, const char *op, Value *child, double local_grad)
{
    Value *out = value_new(g, data);
    out->op = op;
    out->nprev = 1;
    out->prev[0] = child;
    out->local_grads[0] = local_grad;
    return out;
}

/* Value(data, (child0, child1), op, (local_grad0, local_grad1)) */
static Value *node2(Graph *g, double data, const char *op, Value *child0, double local_grad0,
                    Value *child1, double local_grad1)
{
    Value *out = node1(g, data, op, child0, local_grad0);
    out->nprev = 2;
    out->prev[1] = child1;
    out->local_grads[1] = local_grad1;
    return out;
}

/* A plain number operand is a constant: nothing asks for its gradient, so it gets no node.
 * Hence two C functions for one Python op: value_add(self, Value) and value_add_num(self, x). */

Value *value_add(Graph *g, Value *self, Value *other)
{
    return node2(g, self->data + other->data, "+", self, 1, other, 1);
}

Value *value_add_num(Graph *g, Value *self, double other)
{
    return node1(g, self->data + other, "+", self, 1);
}

Value *value_mul(Graph *g, Value *self, Value *other)
{
    return node2(g, self->data * other->data, "*", self, other->data, other, self->data);
}

Value *value_mul_num(Graph *g, Value *self, double other)
{
    return node1(g, self->data * other, "*", self, other);
}

Value *value_pow(Graph *g, Value *self, double other)
{
    return node1(g, py_pow(self->data, other), "**", self,
                 other * py_pow(self->data, other - 1));
}

Value *value_relu(Graph *g, Value *self)
{
    double out = self->data < 0 ? 0 : self->data;
    return node1(g, out, "ReLU", self, out > 0);  /* slope 0 at 0, like PyTorch */
}

Value *value_tanh(Graph *g, Value *self)
{
    double t = tanh(self->data);
    return node1(g, t, "tanh", self, 1 - py_pow(t, 2));
}

Value *value_exp(Graph *g, Value *self)
{
    double e = exp(self->data);
    return node1(g, e, "exp", self, e);
}

Value *value_log(Graph *g, Value *self)
{
    return node1(g, log(self->data), "log", self, 1 / self->data);
}

Value *value_neg(Graph *g, Value *self)  /* -self */
{
    return value_mul_num(g, self, -1.0);
}

Value *value_sub(Graph *g, Value *self, Value *other)  /* self + (-other) */
{
    return value_add(g, self, value_neg(g, other));
}

Value *value_sub_num(Graph *g, Value *self, double other)  /* self + (-other), a number */
{
    return value_add_num(g, self, -other);
}

Value *value_div(Graph *g, Value *self, Value *other)  /* self * other**-1 */
{
    return value_mul(g, self, value_pow(g, other, -1));
}

static void push_frame(Graph *g, size_t *depth, Value *node)
{
    if (*depth == g->stack_cap) {
        g->stack_cap = g->stack_cap ? 2 * g->stack_cap : 1024;
        g->stack = xrealloc(g->stack, g->stack_cap * sizeof *g->stack);
    }
    g->stack[(*depth)++] = (Frame){node, 0};
}

/* Every node `root` depends on, inputs before outputs (the order a recursive DFS gives), into
 * g->topo; returns how many. A stack instead of recursion, so graphs of any depth work. */
size_t topological_order(Graph *g, Value *root)
{
    unsigned long pass = ++g->pass;
    size_t ntopo = 0, depth = 0;
    root->visited = pass;
    push_frame(g, &depth, root);
    while (depth > 0) {
        Frame *top = &g->stack[depth - 1];
        if (top->next_child < top->node->nprev) {
            Value *child = top->node->prev[top->next_child++];
            if (child->visited != pass) {
                child->visited = pass;
                push_frame(g, &depth, child);
            }
        } else {
            if (ntopo == g->topo_cap) {
                g->topo_cap = g->topo_cap ? 2 * g->topo_cap : 1024;
                g->topo = xrealloc(g->topo, g->topo_cap * sizeof *g->topo);
            }
            g->topo[ntopo++] = top->node;
            depth--;
        }
    }
    return ntopo;
}

/* Backpropagate from `root`: every node it depends on gets d root / d node added to .grad.
 * Gradients accumulate into leaves; intermediate nodes start from zero each call. */
void backward(Graph *g, Value *root)
{
    size_t ntopo = topological_order(g, root);
    Value **topo = g->topo;
    for (size_t i = 0; i < ntopo; i++)
        if (topo[i]->nprev)
            topo[i]->grad = 0;
    root->grad += 1;
    for (size_t i = ntopo; i-- > 0;) {
        Value *v = topo[i];
        for (int k = 0; k < v->nprev; k++)
            v->prev[k]->grad += v->local_grads[k] * v->grad;
    }
}

/* ==== data.py: the RNG and the yin-yang data set ====================================== */

RNG rng_new(uint64_t seed)
{
    return (RNG){seed};
}

/* The next 32-bit unsigned integer. */
uint32_t rng_random_u32(RNG *rng)
{
    rng->state ^= rng->state >> 12;
    rng->state ^= rng->state << 25;
    rng->state ^= rng->state >> 27;
    return (uint32_t)((rng->state * 0x2545F4914F6CDD1DULL) >> 32);
}

/* A float in [0, 1) with 24 random bits. */
double rng_random(RNG *rng)
{
    return (rng_random_u32(rng) >> 8) / 16777216.0;
}

/* A float in [a, b). */
double rng_uniform(RNG *rng, double a, double b)
{
    return a + (b - a) * rng_random(rng);
}

/* 80 % train, 10 % validation, 10 % test, in order. */
static void split(Point *points, int n, Split out[3])
{
    int train_end = (int)(0.8 * n), val_end = (int)(0.9 * n);
    out[0] = (Split){points, train_end};
    out[1] = (Split){points + train_end, val_end - train_end};
    out[2] = (Split){points + val_end, n - val_end};
}

/* ((dx)**2 + (dy)**2) ** 0.5, as the published data set computes it */
static double dist(double x, double y, double cx, double cy)
{
    return py_pow(py_pow(x - cx, 2) + py_pow(y - cy, 2), 0.5);
}

static int which_class(double x, double y, double r_small, double r_big)
{
    double d_right = dist(x, y, 1.5 * r_big, r_big);
    double d_left = dist(x, y, 0.5 * r_big, r_big);
    if (d_right < r_small || d_left < r_small)
        return 2;
    int is_yin = d_right <= r_small
                 || (r_small < d_left && d_left <= 0.5 * r_big)
                 || (y > r_big && d_right > 0.5 * r_big);
    return is_yin ? 0 : 1;
}

static Point sample(RNG *rng, int goal_class, double r_small, double r_big)
{
    for (;;) {
        double x = rng_uniform(rng, 0, 2 * r_big);
        double y = rng_uniform(rng, 0, 2 * r_big);
        if (dist(x, y, r_big, r_big) > r_big)
            continue;
        if (which_class(x, y, r_small, r_big) == goal_class)
            return (Point){{(x / r_big - 1) * 2, (y / r_big - 1) * 2}, goal_class};
    }
}

/* The yin-yang set: point i has class i % 3 (0 yin, 1 yang, 2 the two dots), coordinates in
 * [-2, 2]; split into (train, val, test). out[0].points owns the memory of all three. */
void gen_data_yinyang(RNG *rng, int n, double r_small, double r_big, Split out[3])
{
    Point *points = xmalloc(n * sizeof *points);
    for (int i = 0; i < n; i++)
        points[i] = sample(rng, i % 3, r_small, r_big);
    split(points, n, out);
}

/* ==== nn.py: Neuron, Layer, MLP ======================================================= */

/* tanh(w . x + b), or just w . x + b when `nonlin` is 0. Weights uniform(-1, 1) * nin**-0.5
 * from `rng`; the bias starts at 0. */
void neuron_init(Neuron *n, int nin, int nonlin, RNG *rng)
{
    n->nin = nin;
    n->w = xmalloc(nin * sizeof *n->w);
    for (int i = 0; i < nin; i++)
        n->w[i] = value_leaf(rng_uniform(rng, -1, 1) * py_pow(nin, -0.5));
    n->b = value_leaf(0);
    n->nonlin = nonlin;
}

Value *neuron_call(Graph *g, Neuron *n, Inputs x)
{
    /* from the bias, add w_i * x_i in order: the published run's order of operations */
    Value *act = &n->b;
    for (int i = 0; i < n->nin && i < x.n; i++) {
        Value *wx = x.values ? value_mul(g, &n->w[i], x.values[i])
                             : value_mul_num(g, &n->w[i], x.numbers[i]);
        act = value_add(g, act, wx);
    }
    return n->nonlin ? value_tanh(g, act) : act;
}

/* `nout` neurons reading the same inputs. */
void layer_init(Layer *layer, int nin, int nout, int nonlin, RNG *rng)
{
    layer->nout = nout;
    layer->neurons = xmalloc(nout * sizeof *layer->neurons);
    for (int i = 0; i < nout; i++)
        neuron_init(&layer->neurons[i], nin, nonlin, rng);
}

/* The list of the neurons' outputs, in `g`. */
Value **layer_call(Graph *g, Layer *layer, Inputs x)
{
    Value **out = graph_alloc(g, layer->nout * sizeof *out);
    for (int i = 0; i < layer->nout; i++)
        out[i] = neuron_call(g, &layer->neurons[i], x);
    return out;
}

/* Layers of sizes `nouts` after `nin` inputs; tanh between layers, the last layer linear. */
void mlp_init(MLP *mlp, int nin, const int *nouts, int nlayers, RNG *rng)
{
    mlp->nlayers = nlayers;
    mlp->layers = xmalloc(nlayers * sizeof *mlp->layers);
    for (int i = 0; i < nlayers; i++)
        layer_init(&mlp->layers[i], i == 0 ? nin : nouts[i - 1], nouts[i], i != nlayers - 1, rng);
}

/* The outputs of the last layer for the data point `x` (a list of `nx` numbers). */
Value **mlp_call(Graph *g, MLP *mlp, const double *x, int nx)
{
    Inputs in = {.n = nx, .numbers = x};
    Value **out = NULL;
    for (int i = 0; i < mlp->nlayers; i++) {
        out = layer_call(g, &mlp->layers[i], in);
        in = (Inputs){.n = mlp->layers[i].nout, .values = out};
    }
    return out;
}

/* The parameters in a fixed order (per neuron: w, then b), as a new array of *count pointers
 * that the caller frees. */
Value **mlp_parameters(MLP *mlp, int *count)
{
    *count = 0;
    for (int i = 0; i < mlp->nlayers; i++)
        for (int j = 0; j < mlp->layers[i].nout; j++)
            *count += mlp->layers[i].neurons[j].nin + 1;
    Value **parameters = xmalloc(*count * sizeof *parameters), **out = parameters;
    for (int i = 0; i < mlp->nlayers; i++) {
        for (int j = 0; j < mlp->layers[i].nout; j++) {
            Neuron *n = &mlp->layers[i].neurons[j];
            for (int k = 0; k < n->nin; k++)
                *out++ = &n->w[k];
            *out++ = &n->b;
        }
    }
    return parameters;
}

void mlp_free(MLP *mlp)
{
    for (int i = 0; i < mlp->nlayers; i++) {
        for (int j = 0; j < mlp->layers[i].nout; j++)
            free(mlp->layers[i].neurons[j].w);
        free(mlp->layers[i].neurons);
    }
    free(mlp->layers);
    *mlp = (MLP){0};
}

/* ==== losses.py: cross-entropy ======================================================== */

/* -log softmax(logits)[target] = log(sum_i exp(z_i)) - z_t, with the max logit subtracted
 * first so that exp() cannot overflow and the sum cannot underflow to 0. */
Value *cross_entropy(Graph *g, Value **logits, int nlogits, int target)
{
    double max_val = logits[0]->data;
    for (int i = 1; i < nlogits; i++)
        if (logits[i]->data > max_val)
            max_val = logits[i]->data;
    Value **shifted = graph_alloc(g, nlogits * sizeof *shifted);
    for (int i = 0; i < nlogits; i++)
        shifted[i] = value_sub_num(g, logits[i], max_val);
    /* sum() starts from the integer 0, and 0 + e is e.__radd__(0): a node of its own */
    Value *denom = value_add_num(g, value_exp(g, shifted[0]), 0);
    for (int i = 1; i < nlogits; i++)
        denom = value_add(g, denom, value_exp(g, shifted[i]));
    return value_sub(g, value_log(g, denom), shifted[target]);
}

/* Mean cross-entropy of `model` over `split`, summed in order. */
Value *loss_fn(Graph *g, MLP *model, Split split)
{
    int nclasses = model->layers[model->nlayers - 1].nout;
    Value *total_loss = value_new(g, 0.0);
    for (int i = 0; i < split.n; i++) {
        Point *p = &split.points[i];
        Value **logits = mlp_call(g, model, p->x, 2);
        total_loss = value_add(g, total_loss, cross_entropy(g, logits, nclasses, p->y));
    }
    return value_mul_num(g, total_loss, 1.0 / split.n);
}

/* ==== optim.py: AdamW ================================================================= */

void adamw_init(AdamW *opt, Value **parameters, int nparameters, double lr, double beta1,
                double beta2, double eps, double weight_decay)
{
    *opt = (AdamW){
        .parameters = xmalloc(nparameters * sizeof *parameters),
        .nparameters = nparameters,
        .lr = lr, .beta1 = beta1, .beta2 = beta2, .eps = eps, .weight_decay = weight_decay,
        .m = xcalloc(nparameters, sizeof *opt->m),
        .v = xcalloc(nparameters, sizeof *opt->v),
    };
    memcpy(opt->parameters, parameters, nparameters * sizeof *parameters);
}

/* One update of every parameter from its current gradient:
 * p -= lr * (m_hat / (sqrt(v_hat) + eps) + weight_decay * p). */
void adamw_step(AdamW *opt)
{
    opt->t += 1;
    double bias1 = 1 - py_pow(opt->beta1, opt->t);
    double bias2 = 1 - py_pow(opt->beta2, opt->t);
    for (int i = 0; i < opt->nparameters; i++) {
        Value *p = opt->parameters[i];
        opt->m[i] = opt->beta1 * opt->m[i] + (1 - opt->beta1) * p->grad;
        opt->v[i] = opt->beta2 * opt->v[i] + (1 - opt->beta2) * py_pow(p->grad, 2);
        double m_hat = opt->m[i] / bias1;
        double v_hat = opt->v[i] / bias2;
        p->data -= opt->lr * (m_hat / (py_pow(v_hat, 0.5) + opt->eps)
                              + opt->weight_decay * p->data);
    }
}

void adamw_zero_grad(AdamW *opt)
{
    for (int i = 0; i < opt->nparameters; i++)
        opt->parameters[i]->grad = 0;
}

void adamw_free(AdamW *opt)
{
    free(opt->parameters);
    free(opt->m);
    free(opt->v);
    *opt = (AdamW){0};
}
