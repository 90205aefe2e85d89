/* The EurekaLabs micrograd run in C, the twin of `python -m micrograd_ref.train`:
 *
 *     build/micrograd-c [--steps N]
 *
 * trains MLP(2, [8, 3]) on the yin-yang data set with AdamW and prints the same log as the
 * Python reference, byte for byte.
 */
#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "float_repr.h"
#include "micrograd.h"

/* The run's data splits and model, both drawn, in that order, from one RNG(seed). */
static void make_run(uint64_t seed, int n, int hidden, MLP *model, Split splits[3])
{
    RNG rng = rng_new(seed);
    gen_data_yinyang(&rng, n, 0.1, 0.5, splits);
    int nouts[] = {hidden, 3};
    mlp_init(model, 2, nouts, 2, &rng);
}

/* Forward the mean loss over `split`, backpropagate, update, zero the gradients; return the
 * loss. The graph of the step is freed before the next step builds its own. */
static double train_step(Graph *g, MLP *model, AdamW *optimizer, Split split)
{
    Value *loss = loss_fn(g, model, split);
    backward(g, loss);
    adamw_step(optimizer);
    adamw_zero_grad(optimizer);
    double data = loss->data;
    graph_clear(g);
    return data;
}

/* Run the training, printing the validation loss every 10 steps and each training loss. */
static void train(int num_steps, uint64_t seed)
{
    MLP model;
    Split splits[3];
    make_run(seed, 100, 8, &model, splits);
    Split train_split = splits[0], val_split = splits[1];

    int nparameters;
    Value **parameters = mlp_parameters(&model, &nparameters);
    AdamW optimizer;
    adamw_init(&optimizer, parameters, nparameters, 0.1, 0.9, 0.95, 1e-8, 1e-4);
    free(parameters);

    Graph g;
    graph_init(&g);
    char repr[FLOAT_REPR_SIZE];
    for (int step = 0; step < num_steps; step++) {
        if (step % 10 == 0) {
            double val_loss = loss_fn(&g, &model, val_split)->data;
            graph_clear(&g);
            printf("step %d/%d, val loss %.6f\n", step + 1, num_steps, val_loss);
        }
        double loss = train_step(&g, &model, &optimizer, train_split);
        printf("step %d/%d, train loss %s\n", step + 1, num_steps, float_repr(loss, repr));
    }
    graph_free(&g);
    adamw_free(&optimizer);
    mlp_free(&model);
    free(splits[0].points);
}

/* ---- the command line, with argparse's behaviour and messages ---- */

static const char USAGE[] = "usage: micrograd-c [-h] [--steps STEPS]\n";

static const char HELP[] =
    "\n"
    "The EurekaLabs micrograd run in C: an MLP(2, [8, 3]) learns the yin-yang data set\n"
    "with AdamW, printing the same log as python -m micrograd_ref.train.\n"
    "\n"
    "options:\n"
    "  -h, --help     show this help message and exit\n"
    "  --steps STEPS  number of training steps (default 100)\n";

static void usage_error(const char *format, ...)
{
    va_list args;
    va_start(args, format);
    fputs(USAGE, stderr);
    fputs("micrograd-c: error: ", stderr);
    vfprintf(stderr, format, args);
    fputc('\n', stderr);
    va_end(args);
    exit(2);
}

/* Python's int(text) for a decimal integer: blanks around, a sign, digits with single
 * underscores between them. Magnitudes beyond INT_MAX stop growing there (INT_MAX < |*out|). */
static int parse_int(const char *text, long long *out)
{
    const char *s = text;
    while (isspace((unsigned char)*s))
        s++;
    int negative = *s == '-';
    if (*s == '+' || *s == '-')
        s++;
    if (!isdigit((unsigned char)*s))
        return 0;
    long long magnitude = 0;
    for (; isdigit((unsigned char)*s) || (*s == '_' && isdigit((unsigned char)s[1])); s++)
        if (*s != '_' && magnitude <= INT_MAX)
            magnitude = magnitude * 10 + (*s - '0');
    while (isspace((unsigned char)*s))
        s++;
    if (*s != '\0')
        return 0;
    *out = negative ? -magnitude : magnitude;
    return 1;
}

/* Whether `arg` is `option` or an abbreviation of it (at least "--" and one letter), as
 * argparse accepts; the part after "=", if any, goes to *value. */
static int is_option(const char *arg, const char *option, const char **value)
{
    size_t n = strcspn(arg, "=");
    if (n < 3 || strncmp(arg, option, n) != 0)
        return 0;
    *value = arg[n] == '=' ? arg + n + 1 : NULL;
    return 1;
}

/* argparse's test for an argument that is a negative number rather than an option */
static int is_negative_number(const char *arg)
{
    if (arg[0] != '-')
        return 0;
    const char *s = arg + 1;
    while (isdigit((unsigned char)*s))
        s++;
    if (*s == '.' && isdigit((unsigned char)s[1])) {
        for (s++; isdigit((unsigned char)*s);)
            s++;
        return *s == '\0';
    }
    return *s == '\0' && s > arg + 1;
}

/* --steps N (default 100), -h; a bad command line is a usage error (exit status 2). */
static int parse_steps(int argc, char **argv)
{
    long long steps = 100;
    int nunrecognized = 0;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *value = NULL;
        if (strcmp(arg, "-h") == 0 || is_option(arg, "--help", &value)) {
            if (arg[1] == '-' && value != NULL)
                usage_error("argument -h/--help: ignored explicit argument '%s'", value);
            fputs(USAGE, stdout);
            fputs(HELP, stdout);
            exit(0);
        } else if (is_option(arg, "--steps", &value)) {
            if (value == NULL) {
                const char *next = i + 1 < argc ? argv[i + 1] : NULL;
                if (next == NULL || (next[0] == '-' && next[1] != '\0' && !is_negative_number(next)))
                    usage_error("argument --steps: expected one argument");
                value = argv[++i];
            }
            if (!parse_int(value, &steps))
                usage_error("argument --steps: invalid int value: '%s'", value);
        } else {
            argv[1 + nunrecognized++] = argv[i];  /* kept, in order, for the message */
        }
    }
    if (nunrecognized > 0) {
        fputs(USAGE, stderr);
        fputs("micrograd-c: error: unrecognized arguments:", stderr);
        for (int i = 1; i <= nunrecognized; i++)
            fprintf(stderr, " %s", argv[i]);
        fputc('\n', stderr);
        exit(2);
    }
    if (steps < 0)
        usage_error("--steps must be 0 or more");
    if (steps > INT_MAX)
        usage_error("--steps must be at most %d", INT_MAX);
    return (int)steps;
}

int main(int argc, char **argv)
{
    train(parse_steps(argc, argv), 42);
    return 0;
}
