# render.gp: draw plotcmd (set by the calling script) into out.png and out.svg.
set terminal @png_term
set output out . '.png'
eval plotcmd
set terminal @svg_term
set output out . '.svg'
replot
unset output
