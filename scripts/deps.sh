#!/bin/sh
# deps.sh: installs the Debian packages parbench needs to build, test and plot.
# As root with apt-get it installs what is missing; otherwise it prints the exact command and stops.
set -u
PKGS="gcc make pkg-config libhwloc-dev hwloc libpapi-dev papi-tools libcmocka-dev libjansson-dev libpng-dev gnuplot-nox primesieve procps util-linux python3 libopenmpi-dev openmpi-bin iproute2"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "deps: installing:$missing" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq && apt-get install -y -qq $missing >/dev/null || {
		echo "deps: apt-get install failed for:$missing" >&2
		exit 1
	}
	exit 0
fi
echo "deps: missing Debian packages:$missing" >&2
echo "deps: run: sudo apt-get update && sudo apt-get install -y$missing" >&2
exit 2
