# counters.gp: CPU time per run (user + sys) and each counter event against workers, one panel each,
# one line per variant; the legend once, below the panels.
# Data: one block per series; columns workers cpu_s event...; panelnames ('|'-separated) and
# panellogs (one 0/1 word per panel) come from parbench report.
if (!exists("height")) height = 600
load scriptdir . '/common.gp'
unset title
unset arrow
unset label
field(s, k) = k == 1 ? (strstrt(s, '|') ? s[1:strstrt(s, '|') - 1] : s) : field(s[strstrt(s, '|') + 1:], k - 1)
rows = npanels <= 2 ? 1 : 2
cols = npanels == 1 ? 1 : npanels <= 4 ? 2 : 3
do for [t in "png svg"] {
	if (t eq "png") { set terminal @png_term; set output out . '.png' } else { set terminal @svg_term; set output out . '.svg' }
	set multiplot layout rows, cols margins 0.12, 0.97, 0.22, 0.88 spacing 0.13, 0.12 title fulltitle font ",11"
	set tics font ',9'
	do for [p=1:npanels] {
		set logscale x 2
		unset logscale y
		if (int(word(panellogs, p))) { set logscale y }
		set ylabel field(panelnames, p) font ',9'
		set xlabel 'workers' font ',9'
		set yrange [*:*]
		if (p == 1) {
			set format y '%.0s %cs'
			set key at screen 0.5, screen 0.09 center top horizontal maxcols 4
		} else {
			set format y '%g'
			unset key
		}
		plot for [i=0:nseries-1] datafile index i using 1:(column(p + 1)) with linespoints lw 2 lc rgb lc_of(i) pt pt_of(i) dt dt_of(i) title columnheader(1)
	}
	unset multiplot
}
unset output
