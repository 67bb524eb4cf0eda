# efficiency.gp: parallel efficiency (speedup / workers) against workers, one line per variant; 1 is ideal.
# Data: one block per series; columns ... efficiency efficiency_lo efficiency_hi in 8, 9, 10.
load scriptdir . '/common.gp'
set logscale x 2
set xlabel 'workers'
set ylabel 'efficiency (speedup / workers)'
ycols = '1:8:9:10'
nideal = 0
extra = ", 1 with lines lw 1.5 dt 2 lc rgb '#333333' title 'ideal (1)'"
load scriptdir . '/series.gp'
