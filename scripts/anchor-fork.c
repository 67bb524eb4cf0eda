/* anchor-fork.c: the plain C loop parbench mech's fork is held against: fork, _exit, waitpid, N times.
 * Built and run by scripts/mech-anchors.sh; prints microseconds per fork+exit+wait (best of 5 rounds'
 * medians is the script's business: this prints one figure per run). usage: anchor-fork N */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000;
	if (n < 1)
		return 2;
	for (int warm = 0; warm < 16; warm++) { /* as parbench warms up before it measures */
		pid_t p = fork();
		if (p == 0)
			_exit(0);
		waitpid(p, NULL, 0);
	}
	double t0 = now();
	for (long i = 0; i < n; i++) {
		int st;
		pid_t p = fork();
		if (p == 0)
			_exit((int)(i & 127));
		if (p < 0 || waitpid(p, &st, 0) != p || !WIFEXITED(st) || WEXITSTATUS(st) != (int)(i & 127)) {
			perror("anchor-fork");
			return 1;
		}
	}
	printf("%.3f\n", (now() - t0) / (double)n * 1e6);
	return 0;
}
