#!/usr/bin/env bash
# soak.sh boots bare-metal test binaries again and again to catch rare
# failures (races that show once in dozens of boots), and keeps the evidence
# of every boot that fails.
#
# Each package is built once (clk-go test -c); then, round after round, each
# binary is booted on each CPU count through go_clk_amd64_exec, one QEMU at a
# time, under nice so that it takes idle CPU time only. The wrapper keeps
# the evidence of a boot that fails (scripts/clkexec): QEMU's -d log, the
# console's end, and, when the guest stopped without a status or timed out,
# every CPU's registers and call stack read through QMP.
#
# Settings (environment):
#   SOAK_PKGS      packages (default: ./arch/x86_64 ./test/baremetal ./actor ./kernel/proc)
#   SOAK_SMP       CPU counts (default: 2 4)
#   SOAK_RUNS      rounds; every package on every CPU count once a round (default 10)
#   SOAK_UNTIL     stop starting boots after this time (any `date -d` string, e.g. 11:20)
#   SOAK_DIR       where binaries, results and evidence go (default build/soak)
#   SOAK_TIMEOUT   seconds per boot (CLK_EXEC_TIMEOUT, default 300)
#   SOAK_QEMU_D    QEMU -d log items (CLK_QEMU_D, default cpu_reset,guest_errors;
#                  add int to log every exception, which is large)
#   SOAK_LOG_BYTES keep only the last N bytes of a failed boot's QEMU log (0: all)
#   SOAK_ARGS      test binary arguments (default -test.count=1)
#
# Results: SOAK_DIR/results.tsv has a line per boot (package, CPUs, round,
# exit status, seconds); every soak into the same SOAK_DIR adds to it. A
# boot that fails keeps SOAK_DIR/fail/PKG.smpN.rROUND.TIME/ with serial.txt
# (the guest's console and the wrapper's messages) and the wrapper's
# evidence directory (qemu.log, console-tail.txt, registers.txt,
# backtraces.txt); a boot that passes leaves nothing. The exit status is 1
# when a boot failed.
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

# The boot under way, for the traps: the wrapper, which ends its QEMU
# when it is told to end.
boot_pid=''
# shellcheck disable=SC2317 # called from the traps
stop() {
	trap - INT TERM HUP
	[ -z "$boot_pid" ] || kill -TERM "$boot_pid" 2>/dev/null || true
	[ -z "$boot_pid" ] || wait "$boot_pid" 2>/dev/null || true
	exit "$1"
}
trap 'stop 129' HUP
trap 'stop 130' INT
trap 'stop 143' TERM

# boot runs one boot of package $1 on $2 CPUs, round $3.
boot() {
	local pkg=$1 cpus=$2 round=$3 bin run start status=0 secs log
	bin=$dir/bin/$(name "$pkg").test
	run=$dir/run/$(name "$pkg").smp$cpus.r$round
	rm -rf "$run"
	mkdir -p "$run"
	start=$SECONDS
	(
		cd "$pkg"
		CLK_SMP=$cpus CLK_EXEC_ENV="${CLK_EXEC_ENV:+$CLK_EXEC_ENV }CLK_SMP" \
			CLK_EXEC_TIMEOUT=$timeout CLK_EVIDENCE_DIR=$run CLK_QEMU_D=$qemu_d \
			exec nice -n 19 go_clk_amd64_exec "$bin" "${test_args[@]}"
	) >"$run/serial.txt" 2>&1 &
	boot_pid=$!
	wait "$boot_pid" || status=$?
	boot_pid=''
	secs=$((SECONDS - start))
	printf '%s\t%s\t%s\t%s\t%s\n' "$pkg" "$cpus" "$round" "$status" "$secs" >>"$results"
	if [ "$status" -eq 0 ]; then
		rm -rf "$run"
		return 0
	fi
	if [ "$log_bytes" -gt 0 ]; then
		for log in "$run"/*/qemu.log; do
			[ -f "$log" ] || continue
			tail -c "$log_bytes" "$log" >"$log.tail" && mv "$log.tail" "$log"
		done
	fi
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
