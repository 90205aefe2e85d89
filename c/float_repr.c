/* Python's repr() of a float: the shortest decimal that reads back as the same double, laid
 * out as Python lays it out ("0.1", "100.0", "1e-05", "1.5e+16", "-0.0", "inf", "nan"). */
#include "float_repr.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_DIGITS = 17 };    /* 17 significant digits always read back as the same double */

/* Whether the decimal digits[0].digits[1..] * 10**exponent reads back as x. */
static int reads_back(const char *digits, int ndigits, int exponent, double x)
{
    char text[MAX_DIGITS + 16];
    snprintf(text, sizeof text, "%c.%.*se%d", digits[0], ndigits - 1, digits + 1, exponent);
    return strtod(text, NULL) == x;
}

/* The fewest significant digits of a decimal that reads back as x (finite, >= 0) and, among
 * those, the nearest to x, as Python's repr (David Gay's shortest mode) chooses. Returns the
 * number of digits; *exponent is the decimal exponent of the first. */
static int shortest_digits(double x, char digits[MAX_DIGITS + 1], int *exponent)
{
    for (int ndigits = 1;; ndigits++) {
        /* printf rounds correctly: the decimal of ndigits digits nearest to x */
        char sci[MAX_DIGITS + 16];
        snprintf(sci, sizeof sci, "%.*e", ndigits - 1, x);
        int n = 0;
        const char *s = sci;
        for (; *s != 'e'; s++)
            if (*s != '.')
                digits[n++] = *s;
        digits[n] = '\0';
        *exponent = atoi(s + 1);
        if (ndigits == MAX_DIGITS || strtod(sci, NULL) == x)
            return ndigits;

        /* Just below a power of two, doubles are twice as close together as just above it,
         * so a decimal a step above x can read back as x when the nearest one below does not. */
        if (strtod(sci, NULL) < x) {
            int i = ndigits - 1;
            while (i >= 0 && digits[i] == '9')
                digits[i--] = '0';
            if (i >= 0) {
                digits[i]++;
            } else {  /* 99..9 became 100..0: one more power of ten */
                digits[0] = '1';
                *exponent += 1;
            }
            if (reads_back(digits, ndigits, *exponent, x))
                return ndigits;
        }
    }
}

/* Writes repr(x) into buf and returns buf. */
char *float_repr(double x, char buf[FLOAT_REPR_SIZE])
{
    if (isnan(x))
        return strcpy(buf, "nan");
    if (isinf(x))
        return strcpy(buf, x < 0 ? "-inf" : "inf");

    char digits[MAX_DIGITS + 1];
    int exponent;
    int ndigits = shortest_digits(fabs(x), digits, &exponent);

    char *out = buf;
    if (signbit(x))
        *out++ = '-';
    if (exponent < -4 || exponent >= 16) {
        /* d.ddde-XX, with at least two exponent digits */
        *out++ = digits[0];
        if (ndigits > 1)
            out += sprintf(out, ".%.*s", ndigits - 1, digits + 1);
        sprintf(out, "e%c%02d", exponent < 0 ? '-' : '+', abs(exponent));
    } else if (exponent < 0) {
        /* 0.000ddd */
        sprintf(out, "0.%.*s%.*s", -exponent - 1, "0000", ndigits, digits);
    } else {
        /* ddd.ddd, or ddd00.0 when the digits end before the point */
        int before_point = exponent + 1;
        for (int i = 0; i < before_point; i++)
            *out++ = i < ndigits ? digits[i] : '0';
        strcpy(out, ndigits > before_point ? "." : ".0");
        if (ndigits > before_point)
            strcat(out, digits + before_point);
    }
    return buf;
}
