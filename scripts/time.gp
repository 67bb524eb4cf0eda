# time.gp: median wall time against workers, one line per variant, error bars = 95% CI of the median.
# Data: one block per series; columns workers median_s ci_lo_s ci_hi_s ...
load scriptdir.'/common.gp'
set logscale x 2
set xlabel 'workers'
set ylabel 'median wall time (s)'
set yrange [0:*]
plotcmd = "plot for [i=0:nseries-1] datafile index i using 1:2:3:4 with yerrorlines lw 2 title columnheader(1)"
load scriptdir.'/render.gp'
