#!/usr/bin/env python3
"""plotcheck.py DIR: every plot report.md embeds has a PNG, an SVG with its title, and a legend
with one entry per series of its data file (block titles; bar charts: header columns).  Prints
'name: n series' per plot on stdout, problems on stderr; exits 1 on any problem."""
import os, re, sys

d = sys.argv[1]
md = open(os.path.join(d, 'report.md'), encoding='utf-8').read()
plots = re.findall(r'^!\[(.*)\]\(plots/(.*)\.png\)$', md, re.M)
bad = 0


def legend(svg):
    """The legend entries: the first text of each gnuplot_plot_N group that has one."""
    out = []
    for m in re.finditer(r'<g id="gnuplot_plot_\d+[a-z]*" >(.*?)(?=<g id="gnuplot_plot_|</svg>)', svg, re.S):
        t = re.search(r'<text>([^<]*)</text>', m.group(1))
        if t:
            out.append(t.group(1))
    return out


def series(dat):
    """The titles a data file's legend must show: block titles (not the fitted models), or the
    header row's columns for a bar chart."""
    lines = [l.rstrip('\n') for l in open(dat, encoding='utf-8') if not l.startswith('#')]
    lines = [l for l in lines if l.strip()]
    if lines and re.match(r'^"[^"]*"( "[^"]*")+$', lines[0]):
        return re.findall(r'"([^"]*)"', lines[0])[1:]
    titles = [l[1:-1] for l in lines if l.startswith('"') and l.endswith('"')]
    # not the fitted models (thin lines without a legend entry) nor sleep's ideal (on the time plot only)
    return [t for t in titles if not re.search(r' (USL|Amdahl)$', t) and not t.startswith('ideal')]


if not plots:
    print('no plots in report.md', file=sys.stderr)
    sys.exit(1)
for title, name in plots:
    png = os.path.join(d, 'plots', name + '.png')
    svg = os.path.join(d, 'plots', name + '.svg')
    if not os.path.exists(png) or open(png, 'rb').read(8) != b'\x89PNG\r\n\x1a\n':
        print('%s: no PNG' % name, file=sys.stderr)
        bad = 1
        continue
    text = open(svg, encoding='utf-8').read() if os.path.exists(svg) else ''
    shown = [html for html in re.findall(r'<text>([^<]*)</text>', text)]
    unescape = lambda s: s.replace('&amp;', '&').replace('&lt;', '<').replace('&gt;', '>').replace('&apos;', "'").replace('&quot;', '"')
    shown = [unescape(s) for s in shown]
    if title not in shown:
        print('%s: the SVG does not show the title %r' % (name, title), file=sys.stderr)
        bad = 1
    # the data file: NAME.dat, or the one its name starts with (time/speedup/... share one)
    dats = [f for f in os.listdir(os.path.join(d, 'plots')) if f.endswith('.dat') and name.startswith(f[:-4])]
    dat = max(dats, key=len) if dats else None
    if not dat:
        print('%s: no data file' % name, file=sys.stderr)
        bad = 1
        continue
    want = series(os.path.join(d, 'plots', dat))
    got = [unescape(s) for s in legend(text)]
    missing = [w for w in want if w not in got]
    if missing:
        print('%s: legend lacks %s (legend: %s)' % (name, missing, got), file=sys.stderr)
        bad = 1
    print('%s: %d series' % (name, len(want)))
sys.exit(bad)
