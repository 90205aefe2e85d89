/* Python's repr() of a float, in C. */
#ifndef FLOAT_REPR_H
#define FLOAT_REPR_H

/* Room for any result: "-2.2250738585072014e-308" and a terminating NUL fit. */
enum { FLOAT_REPR_SIZE = 32 };

char *float_repr(double x, char buf[FLOAT_REPR_SIZE]);

#endif
