# parbench-completion.bash: bash completion for parbench: subcommands, options, workloads,
# variants, schedules, bindings, parameters (KEY= of the workloads on the line, then their values),
# files and directories.  Every list comes from the parbench being completed (`parbench help
# --options CMD`, `parbench help --words KIND`), so the completion never drifts from the binary.
# Install: source it from ~/.bashrc, or copy it to /usr/share/bash-completion/completions/parbench.

# _parbench_words KIND [ARG...]: the words parbench gives for KIND.
_parbench_words() {
	"$_parbench_bin" help --words "$@" 2>/dev/null
}

# _parbench_options CMD: CMD's options, short and long, one per line.
_parbench_options() {
	"$_parbench_bin" help --options "$1" 2>/dev/null | awk -F'\t' '{ if ($1 != "") print $1; print $2 }'
}

# _parbench_takes_value CMD OPT: whether OPT of CMD needs a value.
_parbench_takes_value() {
	"$_parbench_bin" help --options "$1" 2>/dev/null |
		awk -F'\t' -v o="$2" '($1 == o || $2 == o) && $3 != "" { found = 1 } END { exit !found }'
}

# _parbench_list CUR WORD...: complete the last element of a comma list (-w pi,pr -> pi,primes).
_parbench_list() {
	local cur=$1 head="" last=$1
	shift
	if [[ $cur == *,* ]]; then
		head=${cur%,*},
		last=${cur##*,}
	fi
	local w
	for w in "$@"; do
		[[ $w == "$last"* ]] && COMPREPLY+=("$head$w")
	done
	# a list goes on: no space after a completed element
	compopt -o nospace 2>/dev/null
}

_parbench() {
	local _parbench_bin line cur prev cmd i
	COMPREPLY=()
	# split the line ourselves: bash's own words break at '=' and ':' (-p ms=1, papi:EVENT)
	line=${COMP_LINE:0:COMP_POINT}
	local -a words
	read -ra words <<<"$line"
	[[ $line == *[[:space:]] || ${#words[@]} -eq 0 ]] && words+=("")
	cur=${words[${#words[@]} - 1]}
	prev=""
	((${#words[@]} > 1)) && prev=${words[${#words[@]} - 2]}
	_parbench_bin=${words[0]:-parbench}
	[[ $_parbench_bin == "~"* ]] && _parbench_bin=$HOME${_parbench_bin:1}

	if ((${#words[@]} == 2)); then
		mapfile -t COMPREPLY < <(compgen -W "$(_parbench_words commands) --help --version" -- "$cur")
		return
	fi
	cmd=${words[1]}

	# --opt=value: complete the value
	local opt=$prev val=$cur
	if [[ $cur == --*=* ]]; then
		opt=${cur%%=*}
		val=${cur#*=}
	elif [[ $cur == -* ]] || ! _parbench_takes_value "$cmd" "$prev"; then
		opt=""
	fi

	case $cmd in
	help)
		mapfile -t COMPREPLY < <(compgen -W "$(_parbench_words commands)" -- "$cur")
		return
		;;
	esac

	if [[ -n $opt ]]; then
		case $opt in
		-w | --workload) _parbench_list "$val" $(_parbench_words workloads) ;;
		-v | --variant) _parbench_list "$val" $(_parbench_words variants) ;;
		-s | --schedule) _parbench_list "$val" $(_parbench_words schedules) ;;
		-b | --bind) _parbench_list "$val" $(_parbench_words binds) ;;
		--order) _parbench_list "$val" $(_parbench_words orders) ;;
		-c | --counters) mapfile -t COMPREPLY < <(compgen -W "$(_parbench_words counters)" -- "$val") ;;
		--metric) mapfile -t COMPREPLY < <(compgen -W "$(_parbench_words metrics)" -- "$val") ;;
		--format) mapfile -t COMPREPLY < <(compgen -W "$(_parbench_words formats)" -- "$val") ;;
		-o | --out) mapfile -t COMPREPLY < <(compgen -d -- "$val") ;;
		--export-json | --export-csv | --export-md | --hostfile) mapfile -t COMPREPLY < <(compgen -f -- "$val") ;;
		-p | --param)
			# the workloads named on the line (-w a,b or --workload=a), else all of them
			local -a wl=()
			for ((i = 2; i < ${#words[@]} - 1; i++)); do
				case ${words[i]} in
				-w | --workload) wl+=(${words[i + 1]//,/ }) ;;
				--workload=*) wl+=(${words[i]#--workload=}) ;;
				-w?*) wl+=(${words[i]#-w}) ;;
				esac
			done
			if [[ $val == *=* ]]; then
				local key=${val%%=*} v w
				for w in "${wl[@]:-all}"; do
					[[ $w == all ]] && w=$(_parbench_words workloads | grep -v '^all$')
					for v in $(for x in $w; do _parbench_words values "$x" "$key"; done); do
						[[ $v == "${val#*=}"* ]] && COMPREPLY+=("$key=$v")
					done
				done
			else
				local k
				for k in $(_parbench_words params "${wl[@]}" | sort -u); do
					[[ $k == "$val"* ]] && COMPREPLY+=("$k=")
				done
				compopt -o nospace 2>/dev/null
			fi
			;;
		*) ;; # a number or a size: nothing to offer
		esac
		if [[ $cur == --*=* ]]; then
			COMPREPLY=("${COMPREPLY[@]/#/${cur%%=*}=}")
		fi
	elif [[ $cur == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$(_parbench_options "$cmd")" -- "$cur")
	else
		case $cmd in
		report) mapfile -t COMPREPLY < <(compgen -d -- "$cur") ;;
		compare) mapfile -t COMPREPLY < <(compgen -d -- "$cur"; compgen -f -X '!*.csv' -- "$cur") ;;
		ab) mapfile -t COMPREPLY < <(compgen -f -- "$cur") ;;
		esac
	fi

	# bash replaces only what follows the last '=' or ':' of the word: drop what comes before it
	if [[ $cur == *[=:]* ]]; then
		local pre=${cur%"${cur##*[=:]}"} k
		for k in "${!COMPREPLY[@]}"; do
			COMPREPLY[k]=${COMPREPLY[k]#"$pre"}
		done
	fi
}

complete -F _parbench parbench
