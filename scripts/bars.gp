# bars.gp: speedup of every variant at the core count, one cluster per workload, and the ideal (the
# core count) as a dashed line.
# Data: a header row ("case" then the variants), then one row per workload; ? = no such case.
load scriptdir . '/common.gp'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set xrange [-0.6:ngroups-0.4]
set ylabel 'speedup over serial (x)'
set xtics nomirror font ',9'
set grid noxtics ytics
# room below for the tallest label (a word a line) and the legend
set bmargin (exists('lablines') ? 4 + lablines : 6)
# a label's '|' is a line break: "sumsq|form=array" reads as two lines under its cluster
nl(s) = strstrt(s, '|') ? s[1:strstrt(s, '|') - 1] . "\n" . nl(s[strstrt(s, '|') + 1:]) : s
plotcmd = "plot for [i=2:nvariants+1] datafile using i:xtic(nl(strcol(1))) lc rgb lc_of(i-2) title columnheader(i), cores with lines lw 1.5 dt 2 lc rgb '#333333' title sprintf('ideal (%d)', cores)"
load scriptdir . '/render.gp'
