/* testutil.h: what every cmocka test of parbench shares. */
#ifndef PB_TESTUTIL_H
#define PB_TESTUTIL_H

/* Skip the running test, saying why on the line tests/run.sh reads ("skipped: <why>"). */
#define SKIP(...)                                   \
	do {                                        \
		print_message("skipped: " __VA_ARGS__); \
		print_message("\n");                \
		skip();                             \
	} while (0)

#endif
