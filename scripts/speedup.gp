# speedup.gp: speedup over the serial median against workers, log2 on both axes so that the ideal
# y = x is a straight line; one line per variant, error bars from the CI; and the USL (or
# Amdahl) model fitted to each variant's sweep, as thin lines of its colour.
# Data: one block per series; columns workers median_s ci_lo_s ci_hi_s speedup speedup_lo speedup_hi ...;
# then nideal ideal blocks and nmodel model blocks (columns workers speedup).
load scriptdir . '/common.gp'
set logscale x 2
set logscale y 2
set xlabel 'workers'
set ylabel 'speedup over serial (x)'
set format y '%g'
ycols = '1:5:6:7'
extra = ", x with lines lw 1.5 dt 2 lc rgb '#333333' title 'ideal (y = x)'"
# the model lines: thin, solid, half transparent, in their variant's colour
thin(c) = '#80' . c[2:7]
# sleep's ideal blocks are times, drawn on the time plot only: skipped here
nskip = nideal
nideal = 0
if (nmodel > 0) extra = extra . ", for [i=0:nmodel-1] datafile index nseries+nskip+i using 1:2 with lines lw 1 dt 1 lc rgb thin(word(mlcs, i + 1)) notitle, NaN with lines lw 1 lc rgb '#80555555' title 'thin: fitted model'"
load scriptdir . '/series.gp'
