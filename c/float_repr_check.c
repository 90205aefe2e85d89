/* Checks float_repr against Python's repr: reads one double per line, as the 16 hex digits of
 * its bits, and prints float_repr of each, one per line. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "float_repr.h"

int main(void)
{
    char line[64], repr[FLOAT_REPR_SIZE];
    while (fgets(line, sizeof line, stdin)) {
        uint64_t bits = strtoull(line, NULL, 16);
        double x;
        memcpy(&x, &bits, sizeof x);
        puts(float_repr(x, repr));
    }
    return 0;
}
