# chunk.gp: median wall time against chunk size, one line per variant and schedule, error bars = 95% CI.
# Data: one block per series; columns chunk median_s ci_lo_s ci_hi_s.
load scriptdir.'/common.gp'
set logscale x 2
set xlabel 'chunk size (tasks per chunk)'
set ylabel 'median wall time (s)'
set yrange [0:*]
set key top right
plotcmd = "plot for [i=0:nseries-1] datafile index i using 1:2:3:4 with yerrorlines lw 2 title columnheader(1)"
load scriptdir.'/render.gp'
