# SPDX-License-Identifier: GPL-2.0
# bash completion for tunctl(8)

_tunctl_interfaces()
{
	tunctl show interfaces 2>/dev/null
}

_tunctl_peers()
{
	tunctl show "$1" peers 2>/dev/null
}

# The interfaces of /etc/noisetun/*.conf, for up, down, save and strip.
_tunctl_quick_names()
{
	local f
	for f in /etc/noisetun/*.conf; do
		[[ -e $f ]] || continue
		f=${f##*/}
		echo "${f%.conf}"
	done
}

_tunctl_completion()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
	local commands="show showconf set setconf addconf syncconf up down save strip reresolve monitor genkey genpsk pubkey help"
	local fields="public-key private-key listen-port fwmark peers preshared-keys endpoints allowed-ips latest-handshakes persistent-keepalive transfer dump stats"
	local i has_peer=0 words

	if [[ $COMP_CWORD -eq 1 ]]; then
		COMPREPLY=( $(compgen -W "$commands" -- "$cur") )
		return
	fi

	case ${COMP_WORDS[1]} in
	show)
		if [[ $COMP_CWORD -eq 2 ]]; then
			COMPREPLY=( $(compgen -W "all interfaces --json $(_tunctl_interfaces)" -- "$cur") )
		elif [[ $COMP_CWORD -eq 3 && ${COMP_WORDS[2]} != interfaces && ${COMP_WORDS[2]} != --json ]]; then
			if [[ ${COMP_WORDS[2]} == all ]]; then
				COMPREPLY=( $(compgen -W "$fields --json" -- "$cur") )
			else
				COMPREPLY=( $(compgen -W "$fields peer --json" -- "$cur") )
			fi
		elif [[ $COMP_CWORD -eq 4 && $prev == peer ]]; then
			COMPREPLY=( $(compgen -W "$(_tunctl_peers "${COMP_WORDS[2]}")" -- "$cur") )
		elif [[ $COMP_CWORD -le 5 ]]; then
			COMPREPLY=( $(compgen -W "--json" -- "$cur") )
		fi
		;;
	monitor)
		if [[ $COMP_CWORD -eq 2 ]]; then
			COMPREPLY=( $(compgen -W "--json $(_tunctl_interfaces)" -- "$cur") )
		elif [[ $COMP_CWORD -eq 3 && ${COMP_WORDS[2]} != --json ]]; then
			COMPREPLY=( $(compgen -W "--json" -- "$cur") )
		fi
		;;
	showconf)
		[[ $COMP_CWORD -eq 2 ]] && COMPREPLY=( $(compgen -W "$(_tunctl_interfaces)" -- "$cur") )
		;;
	setconf|addconf|syncconf|reresolve)
		if [[ $COMP_CWORD -eq 2 ]]; then
			COMPREPLY=( $(compgen -W "$(_tunctl_interfaces)" -- "$cur") )
		elif [[ $COMP_CWORD -eq 3 ]]; then
			compopt -o filenames
			COMPREPLY=( $(compgen -f -- "$cur") )
		fi
		;;
	up|down|save|strip)
		if [[ $COMP_CWORD -eq 2 ]]; then
			compopt -o filenames
			COMPREPLY=( $(compgen -W "$(_tunctl_quick_names)" -- "$cur") $(compgen -f -X '!*.conf' -- "$cur") $(compgen -d -- "$cur") )
		fi
		;;
	set)
		if [[ $COMP_CWORD -eq 2 ]]; then
			COMPREPLY=( $(compgen -W "$(_tunctl_interfaces)" -- "$cur") )
			return
		fi
		case $prev in
		private-key|preshared-key)
			compopt -o filenames
			COMPREPLY=( $(compgen -f -- "$cur") )
			return
			;;
		peer)
			COMPREPLY=( $(compgen -W "$(_tunctl_peers "${COMP_WORDS[2]}")" -- "$cur") )
			return
			;;
		persistent-keepalive)
			COMPREPLY=( $(compgen -W "off" -- "$cur") )
			return
			;;
		fwmark)
			COMPREPLY=( $(compgen -W "off" -- "$cur") )
			return
			;;
		unknown-peer-events)
			COMPREPLY=( $(compgen -W "on off" -- "$cur") )
			return
			;;
		listen-port|endpoint|allowed-ips|description)
			return
			;;
		esac
		for ((i = 3; i < COMP_CWORD; i++)); do
			[[ ${COMP_WORDS[i]} == peer ]] && has_peer=1
		done
		if ((has_peer)); then
			words="remove preshared-key endpoint persistent-keepalive allowed-ips disable enable description peer"
		else
			words="listen-port fwmark private-key unknown-peer-events peer"
		fi
		COMPREPLY=( $(compgen -W "$words" -- "$cur") )
		;;
	esac
}

complete -F _tunctl_completion tunctl
