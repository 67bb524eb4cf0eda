# efficiency.gp: parallel efficiency (speedup / workers) against workers, one line per variant; 1 is ideal.
# Data: one block per series; columns ... efficiency efficiency_lo efficiency_hi in 8, 9, 10.
load scriptdir.'/common.gp'
set logscale x 2
set xlabel 'workers'
set ylabel 'efficiency (speedup / workers)'
set yrange [0:*]
set key bottom left
plotcmd = "plot for [i=0:nseries-1] datafile index i using 1:8:9:10 with yerrorlines lw 2 title columnheader(1), 1 with lines dt 2 lc 'black' title 'ideal'"
load scriptdir.'/render.gp'
