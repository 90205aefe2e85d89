/* micrograd in C: the twin of micrograd_ref (engine, data, nn, losses, optim); train.c runs it.
 *
 * The floating-point operations are the reference's, in the reference's order, so the
 * training log matches `python -m micrograd_ref.train` byte for byte.
 */
#ifndef MICROGRAD_H
#define MICROGRAD_H

#include <stddef.h>
#include <stdint.h>

/* ---- engine.py ---------------------------------------------------------------------- */

/* A scalar, the node of the graph that produced it, and the gradient of the output. */
typedef struct Value Value;
struct Value {
    double data;
    double grad;
    Value *prev[2];          /* _prev: the inputs, in order (a number operand is not one) */
    double local_grads[2];   /* _local_grads: d self / d prev[i] */
    int nprev;
    const char *op;          /* _op, for a debugger's eyes */
    unsigned long visited;   /* the last topological_order() pass that reached this node */
};

typedef struct Chunk Chunk;
typedef struct Frame Frame;

/* Where the nodes of one forward pass live. graph_clear() frees them all at once (the memory
 * is kept for the next pass); the buffers of backward() live here too. */
typedef struct {
    Chunk *chunks;           /* the first chunk; each links to the next */
    Chunk *current;          /* the chunk being filled */
    size_t used;             /* bytes used in `current` */
    Value **topo;            /* topological_order()'s result */
    size_t topo_cap;
    Frame *stack;            /* topological_order()'s depth-first stack */
    size_t stack_cap;
    unsigned long pass;      /* count of topological_order() calls, for Value.visited */
} Graph;

void graph_init(Graph *g);
void *graph_alloc(Graph *g, size_t size);
void graph_clear(Graph *g);
void graph_free(Graph *g);

Value value_leaf(double data);                    /* Value(data), outside any graph */
Value *value_new(Graph *g, double data);          /* Value(data), in `g` */
Value *value_add(Graph *g, Value *self, Value *other);
Value *value_add_num(Graph *g, Value *self, double other);
Value *value_mul(Graph *g, Value *self, Value *other);
Value *value_mul_num(Graph *g, Value *self, double other);
Value *value_pow(Graph *g, Value *self, double other);
Value *value_relu(Graph *g, Value *self);
Value *value_tanh(Graph *g, Value *self);
Value *value_exp(Graph *g, Value *self);
Value *value_log(Graph *g, Value *self);
Value *value_neg(Graph *g, Value *self);
Value *value_sub(Graph *g, Value *self, Value *other);
Value *value_sub_num(Graph *g, Value *self, double other);
Value *value_div(Graph *g, Value *self, Value *other);
size_t topological_order(Graph *g, Value *root);
void backward(Graph *g, Value *root);

double py_pow(double x, double y);

/* ---- data.py ------------------------------------------------------------------------ */

/* xorshift64*: a deterministic stream of 32-bit integers and floats in [0, 1). */
typedef struct {
    uint64_t state;
} RNG;

RNG rng_new(uint64_t seed);
uint32_t rng_random_u32(RNG *rng);
double rng_random(RNG *rng);
double rng_uniform(RNG *rng, double a, double b);

/* A labelled point, [[x, y], c] in Python. */
typedef struct {
    double x[2];
    int y;
} Point;

/* A run of points; the three splits of a data set share the points of its first. */
typedef struct {
    Point *points;
    int n;
} Split;

void gen_data_yinyang(RNG *rng, int n, double r_small, double r_big, Split out[3]);

/* ---- nn.py -------------------------------------------------------------------------- */

typedef struct {
    int nin;
    Value *w;                /* nin weights */
    Value b;
    int nonlin;
} Neuron;

typedef struct {
    int nout;
    Neuron *neurons;
} Layer;

typedef struct {
    int nlayers;
    Layer *layers;
} MLP;

/* What a neuron reads: numbers (a data point, for the first layer) or Values (after it).
 * Exactly one of the two is set: a number operand gets no node, like in Python. */
typedef struct {
    int n;
    const double *numbers;
    Value **values;
} Inputs;

void neuron_init(Neuron *n, int nin, int nonlin, RNG *rng);
Value *neuron_call(Graph *g, Neuron *n, Inputs x);
void layer_init(Layer *layer, int nin, int nout, int nonlin, RNG *rng);
Value **layer_call(Graph *g, Layer *layer, Inputs x);
void mlp_init(MLP *mlp, int nin, const int *nouts, int nlayers, RNG *rng);
Value **mlp_call(Graph *g, MLP *mlp, const double *x, int nx);
Value **mlp_parameters(MLP *mlp, int *count);
void mlp_free(MLP *mlp);

/* ---- losses.py ---------------------------------------------------------------------- */

Value *cross_entropy(Graph *g, Value **logits, int nlogits, int target);
Value *loss_fn(Graph *g, MLP *model, Split split);

/* ---- optim.py ----------------------------------------------------------------------- */

/* Adam with decoupled weight decay, as torch.optim.AdamW. */
typedef struct {
    Value **parameters;
    int nparameters;
    double lr, beta1, beta2, eps, weight_decay;
    long t;                  /* steps taken */
    double *m;               /* first moments */
    double *v;               /* second moments */
} AdamW;

void adamw_init(AdamW *opt, Value **parameters, int nparameters, double lr, double beta1,
                double beta2, double eps, double weight_decay);
void adamw_step(AdamW *opt);
void adamw_zero_grad(AdamW *opt);
void adamw_free(AdamW *opt);

#endif
