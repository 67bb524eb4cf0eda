# dispatch.gp: what handing out one task costs: (median - ideal) / tasks for sleep ms=0, against workers.
# Data: one block per series; columns workers overhead_us ci_lo_us ci_hi_us.
load scriptdir.'/common.gp'
set logscale x 2
set logscale y 10
set xlabel 'workers'
set ylabel 'overhead per task (microseconds, log)'
set key outside right top
plotcmd = "plot for [i=0:nseries-1] datafile index i using 1:2:3:4 with yerrorlines lw 2 title columnheader(1)"
load scriptdir.'/render.gp'
