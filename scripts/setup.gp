# setup.gp: set-up time (preparing the workload and opening the executor: threads created, pool
# forked) against workers, one line per variant.
# Data: the scaling data file; column 11 is setup_s.
load scriptdir . '/common.gp'
set logscale x 2
set xlabel 'workers'
set ylabel 'set-up time (prepare + open)'
set format y '%.1s %cs'
if (logy) set format y '%.0s %cs'
ycols = '1:11:11:11'
nideal = 0
load scriptdir . '/series.gp'
