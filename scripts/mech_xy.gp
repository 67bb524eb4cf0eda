# mech_xy.gp: a mechanism measure against message size or contenders, log-log, one line per series,
# error bars = 95% CI of the median.  Data: one block per series (its quoted title first);
# columns x value ci_lo ci_hi.  parbench report sets logx (the x log base), xl and yl (axis labels),
# and bytesx=1 when x is a message size (tics in KiB and MiB).
load scriptdir.'/common.gp'
if (!exists("logx")) logx = 2
set logscale x logx
set logscale y 10
set format y "%g"
set xlabel xl
set ylabel yl
set key outside right top font ",8"
if (exists("bytesx")) set xtics ("1" 1, "4" 4, "16" 16, "64" 64, "256" 256, "1K" 1024, "4K" 4096, "16K" 16384, "64K" 65536, "256K" 262144, "1M" 1048576, "4M" 4194304, "16M" 16777216, "64M" 67108864)
# wider than the other plots: the legend holds a line per mechanism
png_term = sprintf("%s size %d,%d noenhanced", pngterm, width * 5 / 4, height * 6 / 5)
svg_term = sprintf("svg size %d,%d dynamic noenhanced", width * 5 / 4, height * 6 / 5)
plotcmd = "plot for [i=0:nseries-1] datafile index i using 1:2:3:4 with yerrorlines lw 2 title columnheader(1)"
load scriptdir.'/render.gp'
