# common.gp: settings shared by every parbench plot (loaded first by each script).
# parbench report sets: scriptdir, datafile, out (file name without extension), plottitle,
# subtitle, pngterm (pngcairo or png), nseries, and the series' styles lcs, pts, dts (one word
# per series: colour, point type, dash type); where it applies xlo, xhi, logx, ylo, yhi, logy
# (padded ranges, log where values span decades), xtl (the worker counts, as tic marks) and cores.
# Override the size with e.g. gnuplot -e "width=1200; height=750" ...
if (!exists("width")) width = 800
if (!exists("height")) height = 520
set encoding utf8
set micro
png_term = sprintf("%s size %d,%d noenhanced font ',10'", pngterm, width, height)
svg_term = sprintf("svg size %d,%d dynamic noenhanced font ',10'", width, height)
if (!exists("subtitle")) subtitle = ''
fulltitle = subtitle eq '' ? plottitle : plottitle . "\n" . subtitle
set title fulltitle font ",11"
set grid lc rgb '#dddddd' lt 1
set border 3
set tics nomirror
# the legend below the plot, never over the data
set key outside below center horizontal noopaque samplen 3 spacing 1.1
set pointsize 1.1
set datafile missing '?'
if (!exists("nideal")) nideal = 0
if (!exists("nmodel")) nmodel = 0
if (exists("xlo")) set xrange [xlo:xhi]
if (exists("ylo")) set yrange [ylo:yhi]
if (exists("logy") && logy) set logscale y
# the style of series i (0-based)
lc_of(i) = word(lcs, i + 1)
pt_of(i) = int(word(pts, i + 1))
dt_of(i) = int(word(dts, i + 1))
# a vertical line at the core count, where a worker axis crosses it
if (exists("cores") && exists("xlo") && cores >= xlo && cores <= xhi) \
	set arrow 1 from cores, graph 0 to cores, graph 1 nohead dt 3 lw 1 lc rgb '#888888'; \
	set label 1 sprintf("%d cores", cores) at cores, graph 0.97 offset 0.6, 0 tc rgb '#666666' font ',9'
# tic marks at the worker counts measured; on a log y axis of few decades, at 1, 2 and 5 of each
if (exists("xtl")) set xtics (); do for [w in xtl] { set xtics add (w w + 0) }
if (exists("ytl")) set ytics (); do for [v in ytl] { set ytics add (real(v)) }
