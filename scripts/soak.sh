#!/usr/bin/env bash
# soak.sh boots bare-metal test binaries again and again to catch rare
# failures (races that show once in dozens of boots), and keeps the evidence
# of every boot that fails.
#
# Each package is built once (clk-go test -c); then, round after round, each
# binary is booted on each CPU count through go_clk_amd64_exec, one QEMU at a
# time, under nice so that it takes idle CPU time only. QEMU runs with
# `-d $SOAK_QEMU_D` logging and a monitor on a pair of FIFOs, and with
# `-action shutdown=pause`: a guest that stops without a status (a triple
# fault, which -no-reboot turns into a shutdown, or an ACPI power-off) is
# paused instead of ending, its registers and stacks are read through the
# monitor, and only then is QEMU told to quit.
#
# Settings (environment):
#   SOAK_PKGS      packages (default: ./arch/x86_64 ./test/baremetal ./actor ./kernel/proc)
#   SOAK_SMP       CPU counts (default: 2 4)
#   SOAK_RUNS      rounds; every package on every CPU count once a round (default 10)
#   SOAK_UNTIL     stop starting boots after this time (any `date -d` string, e.g. 11:20)
#   SOAK_DIR       where binaries, results and evidence go (default build/soak)
#   SOAK_TIMEOUT   seconds per boot (CLK_EXEC_TIMEOUT, default 300)
#   SOAK_QEMU_D    QEMU -d log items (default cpu_reset,guest_errors; add
#                  int to log every exception, which is large)
#   SOAK_LOG_BYTES keep only the last N bytes of the QEMU log (0: all; useful with int)
#   SOAK_ARGS      test binary arguments (default -test.count=1)
#
# Results: SOAK_DIR/results.tsv has a line per boot (package, CPUs, round,
# exit status, seconds); every soak into the same SOAK_DIR adds to it. A
# boot that fails keeps SOAK_DIR/fail/PKG.smpN.rROUND.TIME/ with serial.txt (the guest's console and the wrapper's messages), qemu.log
# and, when the guest stopped without a status, monitor.txt (registers of
# every CPU, the words at each stack pointer and the code at each RIP); a
# boot that passes leaves nothing. The exit status is 1 when a boot failed.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
pkgs=${SOAK_PKGS:-./arch/x86_64 ./test/baremetal ./actor ./kernel/proc}
smps=${SOAK_SMP:-2 4}
runs=${SOAK_RUNS:-10}
dir=${SOAK_DIR:-$root/build/soak}
timeout=${SOAK_TIMEOUT:-300}
qemu_d=${SOAK_QEMU_D:-cpu_reset,guest_errors}
log_bytes=${SOAK_LOG_BYTES:-0}
read -r -a test_args <<<"${SOAK_ARGS:--test.count=1}"
until_epoch=''
if [ -n "${SOAK_UNTIL:-}" ]; then
	until_epoch=$(date -d "$SOAK_UNTIL" +%s) || {
		echo "soak: SOAK_UNTIL: not a time: $SOAK_UNTIL" >&2
		exit 2
	}
fi
for n in "$runs" "$timeout" "$log_bytes" $smps; do
	case $n in
	'' | *[!0-9]*)
		echo "soak: SOAK_RUNS, SOAK_TIMEOUT, SOAK_LOG_BYTES and SOAK_SMP take numbers, not '$n'" >&2
		exit 2
		;;
	esac
done
case $dir in
*' '*)
	echo "soak: SOAK_DIR must not contain spaces (QEMU's arguments are split at spaces)" >&2
	exit 2
	;;
esac

mkdir -p "$dir/bin" "$dir/fail" "$dir/run"
dir=$(cd "$dir" && pwd)
results=$dir/results.tsv
[ -e "$results" ] || printf 'package\tcpus\tround\tstatus\tseconds\n' >"$results"
# The wrapper is called by name, as go test calls it.
export PATH="$here:$PATH"

# name turns a package path into a file name: ./kernel/proc -> kernel_proc.
name() {
	local p=${1#./}
	printf '%s' "${p//\//_}"
}

cd "$root"
for pkg in $pkgs; do
	echo "soak: building $pkg"
	nice -n 19 "$here/clk-go" test -c -o "$dir/bin/$(name "$pkg").test" "$pkg"
done

# monitor sends one HMP command to the QEMU of run directory $1; it gives up
# after 5 seconds when QEMU has not opened the FIFO (yet, or any more).
monitor() {
	# shellcheck disable=SC2016 # $1 and $2 expand in the inner shell
	timeout 5 bash -c 'printf "%s\n" "$2" >"$1/mon.in"' _ "$1" "$2" 2>/dev/null
}

# watch polls QEMU's state through the monitor of run directory $1 with $2
# CPUs until it is killed; when the guest has stopped without a status, it
# dumps every CPU and tells QEMU to quit.
watch() {
	local run=$1 cpus=$2 i
	while sleep 1; do
		monitor "$run" 'info status' || continue
		if grep -q 'paused (shutdown)' "$run/monitor.txt" 2>/dev/null; then
			# The $ names a register in the monitor's expressions ($esp is
			# all of RSP in 64-bit mode, $pc is RIP).
			# shellcheck disable=SC2016
			for ((i = 0; i < cpus; i++)); do
				monitor "$run" "cpu $i"
				monitor "$run" 'info registers'
				monitor "$run" 'x/32gx $esp'
				monitor "$run" 'x/8i $pc'
				monitor "$run" 'info lapic'
			done
			sleep 2
			monitor "$run" 'quit'
			return 0
		fi
	done
}

# The boot under way, for the traps: the wrapper (which ends its QEMU when
# it is told to end), the monitor's watcher and the run directory.
boot_pid=''
watcher=''
cur_run=''
# shellcheck disable=SC2317 # called from the traps
stop() {
	trap - INT TERM HUP
	[ -z "$watcher" ] || kill -TERM "$watcher" 2>/dev/null || true
	[ -z "$boot_pid" ] || kill -TERM "$boot_pid" 2>/dev/null || true
	[ -z "$boot_pid" ] || wait "$boot_pid" 2>/dev/null || true
	if [ -n "$cur_run" ]; then
		release_fifos "$cur_run"
		wait 2>/dev/null || true
	fi
	exit "$1"
}
trap 'stop 129' HUP
trap 'stop 130' INT
trap 'stop 143' TERM

# release_fifos ends the readers of run directory $1's FIFOs once QEMU has
# ended and closed its ends, also when QEMU never opened them: opening a
# FIFO read-write does not block.
release_fifos() {
	[ ! -p "$1/mon.out" ] || : <>"$1/mon.out"
	[ ! -p "$1/qemu.fifo" ] || : <>"$1/qemu.fifo"
}

# boot runs one boot of package $1 on $2 CPUs, round $3.
boot() {
	local pkg=$1 cpus=$2 round=$3 bin run start status=0 secs cat_pid tail_pid=''
	bin=$dir/bin/$(name "$pkg").test
	run=$dir/run/$(name "$pkg").smp$cpus.r$round
	rm -rf "$run"
	mkdir -p "$run"
	cur_run=$run
	mkfifo "$run/mon.in" "$run/mon.out"
	cat "$run/mon.out" >"$run/monitor.txt" &
	cat_pid=$!
	local log=$run/qemu.log
	if [ "$log_bytes" -gt 0 ]; then
		log=$run/qemu.fifo
		mkfifo "$log"
		tail -c "$log_bytes" <"$log" >"$run/qemu.log" &
		tail_pid=$!
	fi
	watch "$run" "$cpus" &
	watcher=$!
	start=$SECONDS
	(
		cd "$pkg"
		CLK_SMP=$cpus CLK_EXEC_ENV="${CLK_EXEC_ENV:+$CLK_EXEC_ENV }CLK_SMP" \
			CLK_EXEC_TIMEOUT=$timeout \
			CLK_QEMU_ARGS="${CLK_QEMU_ARGS:+$CLK_QEMU_ARGS }-d $qemu_d -D $log -action shutdown=pause -chardev pipe,id=soakmon,path=$run/mon -mon chardev=soakmon,mode=readline" \
			exec nice -n 19 go_clk_amd64_exec "$bin" "${test_args[@]}"
	) >"$run/serial.txt" 2>&1 &
	boot_pid=$!
	wait "$boot_pid" || status=$?
	boot_pid=''
	secs=$((SECONDS - start))
	kill "$watcher" 2>/dev/null || true
	wait "$watcher" 2>/dev/null || true
	watcher=''
	release_fifos "$run"
	wait "$cat_pid" 2>/dev/null || true
	[ -z "$tail_pid" ] || wait "$tail_pid" 2>/dev/null || true
	cur_run=''
	printf '%s\t%s\t%s\t%s\t%s\n' "$pkg" "$cpus" "$round" "$status" "$secs" >>"$results"
	if [ "$status" -eq 0 ]; then
		rm -rf "$run"
		return 0
	fi
	rm -f "$run/mon.in" "$run/mon.out" "$run/qemu.fifo"
	# The monitor echoes each command key by key with cursor moves: keep
	# the command once, and drop the status polls of a running guest.
	sed -E -i $'s/\r$//; s/^\\(qemu\\) .*\e\\[D([^\e]*)\e\\[K$/(qemu) \\1/; s/\e\\[[0-9]*[A-Z]//g' "$run/monitor.txt"
	sed -i '/^(qemu) info status$/{N;/VM status: running$/d}' "$run/monitor.txt"
	local kept
	kept=$dir/fail/${run##*/}.$(date -u +%Y%m%dT%H%M%S)
	mv "$run" "$kept"
	echo "soak: FAIL $pkg on $cpus CPUs, round $round, status $status: $kept"
	tail -n 5 "$kept/serial.txt" | sed 's/^/soak:   /'
	return 1
}

failed=0
for ((round = 1; round <= runs; round++)); do
	for cpus in $smps; do
		for pkg in $pkgs; do
			if [ -n "$until_epoch" ] && [ "$(date +%s)" -ge "$until_epoch" ]; then
				break 3
			fi
			boot "$pkg" "$cpus" "$round" || failed=1
		done
	done
done

# The table: boots and failures per package and CPU count, over every soak
# that wrote to this results file.
awk -F '\t' 'NR > 1 {
	k = $1 " " $2 " CPUs"; n[k]++
	if ($4 != 0) { f[k]++; s[k] = s[k] " " $4 }
}
END { for (k in n) printf "soak: %-28s %5d boots %3d failed%s\n", k, n[k], f[k], (s[k] ? " (status" s[k] ")" : "") }' "$results" | sort
exit "$failed"
