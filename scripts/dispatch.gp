# dispatch.gp: what handing out one empty task costs, median / tasks, as bars per variant (clusters)
# and worker count (bars), on a log scale (nanoseconds for threads, milliseconds for a fork).
# Data: a header row ("variant" then one column per worker count), one row per variant; ? = none.
load scriptdir . '/common.gp'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set logscale y
set format y '%.0s %cs'
set ylabel 'time per task'
set xtics nomirror font ',9'
set grid noxtics ytics
wlc(i) = word('#56B4E9 #0072B2 #E69F00 #D55E00 #009E73 #CC79A7 #999933 #882255', (i - 2) % 8 + 1)
# a label's '|' is a line break: "pool|(20000 tasks)"
nl(s) = strstrt(s, '|') ? s[1:strstrt(s, '|') - 1] . "\n" . nl(s[strstrt(s, '|') + 1:]) : s
set bmargin 6
plotcmd = "plot for [i=2:ncols+1] datafile using i:xtic(nl(strcol(1))) lc rgb wlc(i) title columnheader(i)"
load scriptdir . '/render.gp'
