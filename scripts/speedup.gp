# speedup.gp: speedup over the serial median against workers, one line per variant, with the ideal y = x.
# Data: one block per series; columns workers median_s ci_lo_s ci_hi_s speedup speedup_lo speedup_hi ...
load scriptdir.'/common.gp'
set logscale x 2
set xlabel 'workers'
set ylabel 'speedup over serial (x)'
set yrange [0:*]
set key top left
plotcmd = "plot for [i=0:nseries-1] datafile index i using 1:5:6:7 with yerrorlines lw 2 title columnheader(1), x with lines dt 2 lc 'black' title 'ideal (y = x)'"
load scriptdir.'/render.gp'
