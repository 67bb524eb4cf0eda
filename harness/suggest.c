/* suggest.c: the nearest known name to a mistyped one (case-insensitive optimal string alignment distance). */
#include "suggest.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define MAXLEN 64

int pb_name_eq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return 0;
	return *a == *b;
}

/* Optimal string alignment distance of a and b, ignoring case; both shorter than MAXLEN. */
static int distance(const char *a, const char *b)
{
	int la = (int)strlen(a), lb = (int)strlen(b);
	int d[MAXLEN + 1][MAXLEN + 1];
	for (int i = 0; i <= la; i++)
		d[i][0] = i;
	for (int j = 0; j <= lb; j++)
		d[0][j] = j;
	for (int i = 1; i <= la; i++)
		for (int j = 1; j <= lb; j++) {
			int ca = tolower((unsigned char)a[i - 1]), cb = tolower((unsigned char)b[j - 1]);
			int v = d[i - 1][j - 1] + (ca != cb);
			if (d[i - 1][j] + 1 < v)
				v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) &&
			    tolower((unsigned char)a[i - 2]) == cb && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	return d[la][lb];
}

static int is_prefix(const char *w, const char *c)
{
	size_t l = strlen(w);
	if (l > strlen(c))
		return 0;
	for (size_t i = 0; i < l; i++)
		if (tolower((unsigned char)w[i]) != tolower((unsigned char)c[i]))
			return 0;
	return 1;
}

const char *pb_suggest(const char *word, const char *const *cands, size_t n)
{
	size_t wl = strlen(word);
	if (wl == 0 || wl >= MAXLEN)
		return NULL;
	int limit = wl <= 3 ? 1 : wl <= 6 ? 2 : 3;
	const char *best = NULL, *prefix = NULL;
	int best_d = limit + 1, tie = 0, nprefix = 0;
	for (size_t i = 0; i < n; i++) {
		if (!cands[i] || strlen(cands[i]) >= MAXLEN)
			continue;
		int d = distance(word, cands[i]);
		if (d < best_d) {
			best_d = d;
			best = cands[i];
			tie = 0;
		} else if (d == best_d && best && strcmp(best, cands[i]) != 0) {
			tie = 1;
		}
		if (wl >= 2 && is_prefix(word, cands[i])) {
			prefix = cands[i];
			nprefix++;
		}
	}
	if (nprefix == 1)
		return prefix; /* "proc" is the start of "process", though "pool" is nearer */
	return best && !tie ? best : NULL;
}

void pb_did_you_mean(char *buf, size_t len, const char *word, const char *const *cands, size_t n)
{
	const char *s = pb_suggest(word, cands, n);
	if (s)
		snprintf(buf, len, "; did you mean '%s'?", s);
	else if (len)
		buf[0] = '\0';
}
