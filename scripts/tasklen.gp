# tasklen.gp: process per task against pool: wall time per task slot, median / ceil(T/P), against the
# task length (sleep ms); the dashed line is the ideal (no overhead).
# Data: one block per series; columns task_ms time_per_task_ms ci_lo_ms ci_hi_ms.
load scriptdir . '/common.gp'
set logscale x 10
set xlabel 'task length (ms)'
set ylabel 'time per task slot (ms)'
ycols = '1:2:3:4'
extra = ", x with lines lw 1.5 dt 2 lc rgb '#333333' title 'ideal (the task length)'"
load scriptdir . '/series.gp'
