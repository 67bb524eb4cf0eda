# chunk.gp: median wall time per task against chunk size, one line per variant and schedule (and task
# count, when the sweeps differ), error bars = 95% CI.
# Data: one block per series; columns chunk median_per_task_s ci_lo_s ci_hi_s.
load scriptdir . '/common.gp'
set logscale x 2
set xlabel 'chunk size (tasks per hand-out)'
set ylabel 'median time per task'
set format y '%.1s %cs'
if (logy) set format y '%.0s %cs'
ycols = '1:2:3:4'
load scriptdir . '/series.gp'
