# bars.gp: speedup of every variant, one cluster per workload, at the largest worker count.
# Data: a header row ("case" then the variants), then one row per workload; ? = no such case.
load scriptdir.'/common.gp'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set xlabel 'workload (at its largest worker count j)'
set ylabel 'speedup over serial (x)'
set yrange [0:*]
set xtics nomirror rotate by -25 offset -1,0 font ",9"
set key top left
plotcmd = "plot for [i=2:nvariants+1] datafile using i:xtic(1) title columnheader(i)"
load scriptdir.'/render.gp'
