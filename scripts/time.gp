# time.gp: median wall time against workers, one line per variant, error bars = 95% CI of the median;
# for the sleep workload the ideal makespan ceil(T/P)·ms as a dashed line.
# Data: one block per series; columns workers median_s ci_lo_s ci_hi_s ...; then the ideal block(s).
load scriptdir . '/common.gp'
set logscale x 2
set xlabel 'workers'
set ylabel 'median wall time'
set format y '%.1s %cs'
if (logy) set format y '%.0s %cs'
ycols = '1:2:3:4'
load scriptdir . '/series.gp'
