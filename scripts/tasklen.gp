# tasklen.gp: process per task against pool: wall time per task slot, median / ceil(T/P), against the
# task length (sleep ms); the dashed line is the ideal (no overhead).
# Data: one block per series; columns ms time_per_task_ms ci_lo_ms ci_hi_ms.
load scriptdir.'/common.gp'
set logscale x 10
set logscale y 10
set xlabel 'task length (ms)'
set ylabel 'time per task, median / ceil(T/P) (ms)'
set key top left
plotcmd = "plot for [i=0:nseries-1] datafile index i using 1:2:3:4 with yerrorlines lw 2 title columnheader(1), x with lines dt 2 lc 'black' title 'ideal (task length)'"
load scriptdir.'/render.gp'
