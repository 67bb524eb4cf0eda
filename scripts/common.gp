# common.gp: settings shared by every parbench plot (loaded first by each script).
# parbench report sets: scriptdir, datafile, out (file name without extension),
# plottitle, pngterm (pngcairo or png), and per script nseries or nvariants.
# Override the size with e.g. gnuplot -e "width=1200; height=750" ...
if (!exists("width")) width = 800
if (!exists("height")) height = 500
png_term = sprintf("%s size %d,%d noenhanced", pngterm, width, height)
svg_term = sprintf("svg size %d,%d dynamic noenhanced", width, height)
set title plottitle font ",11"
set grid
set key top right box opaque
set pointsize 1
set datafile missing '?'
