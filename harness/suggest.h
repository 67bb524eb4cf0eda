/* suggest.h: "did you mean": the known name nearest to a mistyped one, as git suggests commands. */
#ifndef PB_SUGGEST_H
#define PB_SUGGEST_H

#include <stddef.h>

/*
 * The candidate nearest to word, compared without case by optimal string
 * alignment distance (insertions, deletions, substitutions and swaps of two
 * neighbours cost 1), if it is near enough to be what was meant: distance 1
 * for words of up to 3 characters, 2 up to 6, 3 beyond.  A word that is the
 * start (2 characters or more) of exactly one candidate suggests that one
 * first.  NULL when nothing is near, or two candidates are equally near.  cands[0..n); NULL entries are skipped.
 */
const char *pb_suggest(const char *word, const char *const *cands, size_t n);

/* "; did you mean 'x'?" when pb_suggest finds x, else "", into buf (to follow "unknown ... 'word'"). */
void pb_did_you_mean(char *buf, size_t len, const char *word, const char *const *cands, size_t n);

/* Whether a and b are equal without regard to ASCII case. */
int pb_name_eq(const char *a, const char *b);

#endif
