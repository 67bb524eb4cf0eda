/* PLACEHOLDER: replaced by the real command line before landing. */
#include <stdio.h>
int main(void) { fputs("parbench: not built yet\n", stderr); return 2; }
