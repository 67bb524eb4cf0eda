# netns.sh: two "hosts" on this machine for the MPI tests (sourced after lib.sh): network namespaces
# joined by veth pairs on a bridge, each with its own address, reached by mpirun through an rsh
# agent that runs `ip netns exec HOST unshare --uts` (so each has its own hostname) instead of ssh.
#
# netns_hosts PREFIX OFFSET SLOTS: names from PREFIX and this shell's pid and a subnet from OFFSET, so
# that another copy of the suite, or another script of it, can run beside; sets H1, H2, NET and
# $TMP/hosts (SLOTS slots each), exports the launcher's environment, and removes everything (and
# $TMP) at exit.  0, or 1 with the reason on the first line of $ERR.
netns_hosts() {
	S=$(($$ % 100000))
	H1="$1${S}a"
	H2="$1${S}b"
	BR="$1b$S"
	NET="10.$((100 + $$ % 100)).$(($$ / 100 % 250 + $2))"
	_ns_veth=$1
	trap netns_cleanup EXIT
	netns_setup 2>"$ERR" || return 1
	cat >"$TMP/agent" <<'EOF'
#!/bin/sh
while [ "${1#-}" != "$1" ]; do shift; done
host=$1
shift
exec ip netns exec "$host" unshare --uts sh -c "hostname $host; $*"
EOF
	chmod +x "$TMP/agent"
	printf '%s slots=%s\n%s slots=%s\n' "$H1" "$3" "$H2" "$3" >"$TMP/hosts"
	# the launcher's own environment: the agent, and the bridge for its daemons and TCP between ranks
	OMPI_MCA_plm_rsh_agent="$TMP/agent"
	OMPI_MCA_oob_tcp_if_include="$NET.0/24"
	OMPI_MCA_btl_tcp_if_include="$NET.0/24"
	export OMPI_MCA_plm_rsh_agent OMPI_MCA_oob_tcp_if_include OMPI_MCA_btl_tcp_if_include
}

netns_cleanup() {
	ip netns del "$H1" 2>/dev/null
	ip netns del "$H2" 2>/dev/null
	ip link del "$BR" 2>/dev/null
	rm -rf "$TMP"
}

netns_setup() {
	ip link add "$BR" type bridge && ip link set "$BR" up && ip addr add "$NET.1/24" dev "$BR" || return 1
	n=1
	for h in "$H1" "$H2"; do
		n=$((n + 1))
		ip netns add "$h" &&
			ip link add "${_ns_veth}v$S$n" type veth peer name "${_ns_veth}p$S$n" &&
			ip link set "${_ns_veth}p$S$n" netns "$h" &&
			ip link set "${_ns_veth}v$S$n" master "$BR" && ip link set "${_ns_veth}v$S$n" up &&
			ip netns exec "$h" ip addr add "$NET.$n/24" dev "${_ns_veth}p$S$n" &&
			ip netns exec "$h" ip link set "${_ns_veth}p$S$n" up &&
			ip netns exec "$h" ip link set lo up || return 1
	done
}
