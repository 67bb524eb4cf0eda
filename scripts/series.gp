# series.gp: the plot command of every "y against x, one line per series" plot, then render.gp.
# The calling script sets ycols ("1:2:3:4": x, y, error bar low, high) and, optionally, extra
# (plot elements appended after the series and the ideal lines: ", x with lines ...").
if (!exists("extra")) extra = ''
plotcmd = "plot for [i=0:nseries-1] datafile index i using " . ycols . " with yerrorlines lw 2 lc rgb lc_of(i) pt pt_of(i) dt dt_of(i) title columnheader(1)"
if (nideal > 0) plotcmd = plotcmd . ", for [i=nseries:nseries+nideal-1] datafile index i using 1:2 with lines lw 1.5 dt 2 lc rgb '#333333' title columnheader(1)"
plotcmd = plotcmd . extra
load scriptdir . '/render.gp'
