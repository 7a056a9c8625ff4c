#!/bin/sh
# The QEMU harness: the tenstorrent module against the model device.
#
#   tests/qemu/run.sh check|bench        (make qemu-check, make bench)
#
# Builds an initramfs (busybox-static, the module, the test programs and
# their libraries, the kernel cache), starts one ttsim-ivshmem per model
# configuration the tests need, boots Debian's 6.1 kernel under QEMU (TCG;
# KVM only if a short probe boot succeeds) with guest RAM in a shared file
# the model DMAs into, runs the tests in the guest, prints the guest's
# summary and fails on a failed test, on a resource of the module left
# after every file closed, or on a kernel complaint in the guest's dmesg
# (BUG, WARNING, Oops, lockdep, slab and page poison corruption, hung
# tasks, soft lockups, RCU stalls, x86/PAT conflicts, vmalloc failures,
# any Call Trace). Bounded in time; removes its processes and files.
#
# make qemu-check attacks the module first: test_kmod_fault, fuzz_kmod and
# race_kmod on the default model device, then test_kmod_fault and fuzz_kmod
# on a second one; the other tests run after them, on devices that must
# still work. The check guest boots with slub_debug=FZP page_poison=1 and a
# 20 s hung-task timeout. What the attacks counted is printed.
#
# Environment: BUILD (build), KDIR (/lib/modules/6.1.*/build), QEMU_TIMEOUT
# (whole run, seconds), TEST_TIMEOUT (one guest test, seconds), QEMU_ACCEL
# (tcg or kvm: skip the probe), QEMU_KEEP (keep the work directory),
# QEMU_ONLY and QEMU_SKIP (extended regexes: run only the guest programs
# whose name matches the one and not the other), FUZZ_SECONDS (60) and FUZZ_SEED (random) of the fuzzer on the
# default device, FUZZ2_SECONDS (10) on the second, RACE_SECONDS (20),
# FAULT2_SCALE (0.5: how long the load tests of test_kmod_fault run on the
# second device), QEMU_KDEBUG (the check guest's memory debugging options,
# "slub_debug=FZP page_poison=1").
set -eu
mode=${1:-check}
root=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "${BUILD:-build}" && pwd)
KDIR=${KDIR:-$(ls -d /lib/modules/6.1.*/build 2>/dev/null | head -n 1)}
KVER=$(basename "$(dirname "$KDIR")")
TEST_TIMEOUT=${TEST_TIMEOUT:-400}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
FUZZ2_SECONDS=${FUZZ2_SECONDS:-10}
RACE_SECONDS=${RACE_SECONDS:-20}
FAULT2_SCALE=${FAULT2_SCALE:-0.5}
QEMU_TIMEOUT=${QEMU_TIMEOUT:-$((1500 + FUZZ_SECONDS + FUZZ2_SECONDS + RACE_SECONDS))}
RAM_MIB=1024
kernel=/boot/vmlinuz-$KVER

die() { echo "qemu-check: $*" >&2; exit 1; }
[ -n "$KDIR" ] && [ -d "$KDIR" ] || die "no kernel headers (/lib/modules/6.1.*/build); run make deps"
[ -r "$kernel" ] || die "no $kernel (linux-image-amd64)"
command -v qemu-system-x86_64 >/dev/null || die "no qemu-system-x86_64 (qemu-system-x86)"
[ -x /bin/busybox ] || die "no /bin/busybox (busybox-static)"

work=$(mktemp -d "$BUILD/qemu.XXXXXX")
pids=""
cleanup() {
	for p in $pids; do
		kill "$p" 2>/dev/null || true
	done
	for p in $pids; do
		wait "$p" 2>/dev/null || true
	done
	if [ -n "${QEMU_KEEP:-}" ]; then
		echo "qemu-check: kept $work"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- what runs in the guest -----------------------------------------
# Each line of $work/list: a program (with its arguments after commas) and
# the model options it opens ("default" for the model's defaults;
# integration tests name theirs in open_device("sim:OPTIONS") calls,
# several per test at most).
list=$work/list
: > "$list"
specs_of() {	# the model options a libttuser integration test opens
	sed -n 's/.*\(open_device\|TILE_FIXTURE\)("sim:\([^"]*\)").*/\2/p' "$1" | awk '!seen[$0]++' | tr '\n' ' '
}
if [ "$mode" = bench ]; then
	echo "$BUILD/tests/qemu/bench_kmod default" >> "$list"
else
	base=$work/list.base
	: > "$base"
	# A guest test names its model options in a "qemu-check device:" line.
	for t in "$BUILD"/tests/qemu/test_kmod_*; do
		[ "$(basename "$t")" = test_kmod_fault ] && continue
		opts=$(sed -n 's/^ \* qemu-check device: //p' "$root/tests/qemu/$(basename "$t").c")
		echo "$t ${opts:-default}" >> "$base"
	done
	for e in "$BUILD"/examples/*; do
		echo "$e default" >> "$base"
	done
	for src in "$root"/tests/integration/test_*.c; do
		name=$(basename "$src" .c)
		opts=$(specs_of "$src")
		echo "$BUILD/tests/$name ${opts:-default}" >> "$base"
	done
	[ -e "$root/tests/qemu/test_ttctl_guest.sh" ] &&
		echo "$root/tests/qemu/test_ttctl_guest.sh default" >> "$base"
	# The attacks first, on the default device and then on a second one
	# (the first the integration tests configure, not one a kmod test made
	# slow on purpose): the tests after them show that the devices still
	# work.
	second=$(grep -v "^$BUILD/tests/qemu/" "$base" | cut -d' ' -f2- | tr ' ' '\n' |
		sed '/^$/d;/^default$/d' | head -n 1)
	q=$BUILD/tests/qemu
	{
		echo "$q/test_kmod_fault default"
		echo "$q/fuzz_kmod,--seconds,$FUZZ_SECONDS${FUZZ_SEED:+,--seed,$FUZZ_SEED} default"
		echo "$q/race_kmod,--seconds,$RACE_SECONDS default"
		if [ -n "$second" ]; then
			echo "$q/test_kmod_fault,--scale,$FAULT2_SCALE $second"
			echo "$q/fuzz_kmod,--seconds,$FUZZ2_SECONDS${FUZZ_SEED:+,--seed,$FUZZ_SEED} $second"
		fi
		cat "$base"
	} > "$list"
fi
if [ -n "${QEMU_ONLY:-}${QEMU_SKIP:-}" ]; then
	awk -v only="${QEMU_ONLY:-.}" -v skip="${QEMU_SKIP:-}" '{
		p = $1; sub(/,.*/, "", p); n = split(p, a, "/")
		if (a[n] ~ only && (skip == "" || a[n] !~ skip)) print }' "$list" > "$list.only"
	mv "$list.only" "$list"
	[ -s "$list" ] || die "QEMU_ONLY/QEMU_SKIP leave no guest program"
fi
# Wormhole and Blackhole (ttsim behind ttsim-proxy): tests/qemu/chips.sh.
. "$root/tests/qemu/chips.sh"

# The bench's comparison at native speed: the model in-process on the host.
host_bench=""
if [ "$mode" = bench ]; then
	host_bench=$("$BUILD/tests/qemu/bench_kmod" --host) || die "bench_kmod --host failed"
fi

# One model device per distinct configuration, in order of first use.
configs=$(cut -d' ' -f2- "$list" | tr ' ' '\n' | sed '/^$/d' | awk '!seen[$0]++')
device_of() {	# /dev/tenstorrent/K of a configuration
	k=0
	for c in $configs; do
		[ "$c" = "$1" ] && break
		k=$((k + 1))
	done
	echo "/dev/tenstorrent/$k"
}

# ---- initramfs --------------------------------------------------------
rfs=$work/rootfs
mkdir -p "$rfs/bin" "$rfs/sbin" "$rfs/proc" "$rfs/sys" "$rfs/dev" "$rfs/tmp" \
	"$rfs/harness/t" "$rfs/etc"
cp /bin/busybox "$rfs/bin/busybox"
for a in $(/bin/busybox --list); do
	[ -e "$rfs/bin/$a" ] || ln -s busybox "$rfs/bin/$a"
done
cp "$root/tests/qemu/init" "$rfs/init"
chmod 755 "$rfs/init"
cp "$BUILD/kmod/tenstorrent.ko" "$rfs/harness/"
cp "$root/tools/udev/60-tenstorrent.rules" "$rfs/harness/"
cp "$root/tests/run.sh" "$rfs/harness/run.sh"
echo "$mode" > "$rfs/harness/mode"
echo "$TEST_TIMEOUT" > "$rfs/harness/timeout"
# Kernels the tests build come from the cache the host run filled.
mkdir -p "$rfs/harness/cache"
[ -d "$BUILD/cache/ttuser" ] && cp -r "$BUILD/cache/ttuser" "$rfs/harness/cache/"
# Programs keep their absolute paths (they find examples/ and tests/ there).
copy_with_libs() {
	mkdir -p "$rfs$(dirname "$1")"
	cp "$1" "$rfs$1"
	ldd "$1" 2>/dev/null | grep -o '/[^ ]*' | while read -r lib; do
		mkdir -p "$rfs$(dirname "$lib")"
		[ -e "$rfs$lib" ] || cp -L "$lib" "$rfs$lib"
	done
}
for p in $(awk '{ sub(/,.*/, "", $1); print $1 }' "$list" | sort -u) "$BUILD/bin/ttctl"; do
	copy_with_libs "$p"
done
mkdir -p "$rfs$root"
cp -r "$root/examples" "$root/tests" "$rfs$root/"
# Wrapper per test: its devices, its time bound. The attack programs' own
# lines ("@@FUZZ", "@@RACE", "@@FAULT") also go to the console, marked with
# the device, for run.sh to show; every program's time goes there too.
i=0
while read -r prog opts; do
	map=""
	for o in $opts; do
		map="$map${map:+;}$o=$(device_of "$o")"
	done
	first=${opts%% *}
	cmd=$(echo "$prog" | tr ',' ' ')
	prog=${prog%%,*}
	# A program that runs for --seconds N gets N more than TEST_TIMEOUT.
	limit=$TEST_TIMEOUT
	case $cmd in
	*--seconds\ *)
		secs=$(echo "$cmd" | sed 's/.*--seconds \([0-9]*\).*/\1/')
		limit=$((TEST_TIMEOUT + ${secs:-0}))
		;;
	esac
	name=$(basename "$prog")
	dev=$(device_of "$first")
	w=$rfs/harness/t/$(printf '%02d' $i)-$name
	{
		echo "#!/bin/sh"
		echo "export TT_DEVICE=$dev"
		[ "$first" = default ] || echo "export TT_TEST_DEVICES='$map'"
		echo "export TTCTL=$BUILD/bin/ttctl"
		[ -z "$host_bench" ] || echo "export TT_BENCH_HOST='$host_bench'"
		# matmul at make check's size (2048 takes far too long under TCG).
		echo "export MATMUL_SIZE=512"
		echo "t0=\$(cut -d' ' -f1 /proc/uptime)"
		echo "out=/tmp/out.\$\$"
		echo "timeout -s KILL $limit $cmd > \$out 2>&1"
		echo "rc=\$?"
		echo "cat \$out"
		# test_kmod_fault's failures (cmocka's "ERROR:" lines) too.
		echo "awk -v t=$name '/^@@[A-Z]+ / { sub(/ /, \" [${dev#/dev/}] \"); print }" \
			"t == \"test_kmod_fault\" && /^ERROR: / { print \"@@FAULT [${dev#/dev/}] \" \$0 }'" \
			"\$out > /dev/console"
		echo "rm -f \$out"
		echo "echo \"@@TIME $name ${dev#/dev/} \$t0 \$(cut -d' ' -f1 /proc/uptime) \$rc\" > /dev/console"
		echo "exit \$rc"
	} > "$w"
	chmod 755 "$w"
	echo "/harness/t/$(basename "$w")" >> "$rfs/harness/tests"
	i=$((i + 1))
done < "$list"
# The guest compiles kernels the cache lacks with the host's clang: /usr
# comes read-only over 9p (virtio), whose modules load from the initramfs.
mods=/lib/modules/$KVER
[ -f "$mods/modules.dep" ] || die "no $mods/modules.dep (linux-image-amd64)"
for m in virtio_pci 9pnet_virtio 9p; do
	line=$(grep "/$m.ko:" "$mods/modules.dep") || die "no module $m in $mods"
	deps=$(echo "${line#*:}" | tr ' ' '\n' | sed '/^$/d' | tac)
	for d in $deps "${line%%:*}"; do
		grep -qx "$d" "$rfs/harness/modules" 2>/dev/null || echo "$d" >> "$rfs/harness/modules"
	done
done
while read -r m; do
	mkdir -p "$rfs/harness/mod"
	cp "$mods/$m" "$rfs/harness/mod/"
done < "$rfs/harness/modules"
chips_rootfs
(cd "$rfs" && find . | cpio -o -H newc --quiet | gzip -1) > "$work/initrd"

# ---- the model devices --------------------------------------------------
ram=$work/guest-ram
truncate -s "${RAM_MIB}M" "$ram"
qdev=""
k=0
for c in $configs; do
	sock=$work/ivshmem$k.sock
	opt=""
	[ "$c" = default ] || opt="-o $c"
	# shellcheck disable=SC2086
	nice -n 5 "$BUILD/bin/ttsim-ivshmem" -s "$sock" -r "$ram" -R "$RAM_MIB" $opt \
		2> "$work/ttsim$k.log" &
	pids="$pids $!"
	for _ in $(seq 100); do
		[ -S "$sock" ] && break
		sleep 0.1
	done
	[ -S "$sock" ] || { cat "$work/ttsim$k.log"; die "ttsim-ivshmem $k did not start"; }
	qdev="$qdev -chardev socket,path=$sock,id=ivsh$k -device ivshmem-doorbell,chardev=ivsh$k,vectors=3"
	k=$((k + 1))
done

# ---- boot -----------------------------------------------------------------
qemu_base="qemu-system-x86_64 -machine pc -cpu max -smp 2 -m ${RAM_MIB}M -nographic -no-reboot
	-object memory-backend-file,id=ram,size=${RAM_MIB}M,mem-path=$ram,share=on
	-machine memory-backend=ram -kernel $kernel -initrd $work/initrd
	-virtfs local,path=/usr,mount_tag=hostusr,security_model=none,readonly=on"
append="console=ttyS0 panic=-1 loglevel=4 oops=panic"
# The check guest looks harder: slab red zones and poison, freed pages
# poisoned, hung tasks reported (init sets a 20 s timeout); a log large
# enough to keep the first report when the attacks flood it.
[ "$mode" = check ] &&
	append="$append ${QEMU_KDEBUG-slub_debug=FZP page_poison=1} hung_task_panic=0 softlockup_panic=0 log_buf_len=8M"

accel=${QEMU_ACCEL:-}
if [ -z "$accel" ]; then
	accel=tcg
	if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
		# A boot that stops at once; KVM hangs on some machines.
		mkdir -p "$work/probe/bin"
		cp /bin/busybox "$work/probe/bin/"
		printf '#!/bin/busybox sh\n/bin/busybox echo @@PROBE-OK\n/bin/busybox poweroff -f\n' \
			> "$work/probe/init"
		chmod 755 "$work/probe/init"
		(cd "$work/probe" && find . | cpio -o -H newc --quiet) > "$work/probe.cpio"
		if timeout -s KILL 10 qemu-system-x86_64 -accel kvm -machine pc -m 128M -nographic \
			-no-reboot -kernel "$kernel" -initrd "$work/probe.cpio" \
			-append "console=ttyS0 panic=-1" > "$work/probe.log" 2>&1 < /dev/null &&
			grep -q '@@PROBE-OK' "$work/probe.log"; then
			accel=kvm
		fi
	fi
fi
chips_start
echo >&2 "qemu-check: $KVER, accel $accel, $k model device(s), $(wc -l < "$list") guest program(s)"
start=$(date +%s)
# shellcheck disable=SC2086
timeout -s KILL "$QEMU_TIMEOUT" $qemu_base -accel "$accel" $qdev -append "$append" \
	> "$work/console.log" 2>&1 < /dev/null || true
end=$(date +%s)

# ---- report ----------------------------------------------------------------
log=$work/console.log
if [ "$mode" = bench ]; then
	# One JSON object per line on stdout; the rest goes to stderr.
	tr -d '\r' < "$log" | grep '^{' || true
	exec 1>&2
else
	tr -d '\r' < "$log" | sed -n '/@@DEVICES/,/^@@DMESG-BEGIN/p' | grep -v '^@@' || true
fi
grep -ao '@@DEVICES [0-9].*' "$log" | tr -d '\r' | sed 's/^@@DEVICES/qemu-check: model devices in the guest:/' || true
summary=$(sed -n 's/^@@SUMMARY //p' "$log" | tr -d '\r')
sed -n '/^@@DMESG-BEGIN/,/^@@DMESG-END/p' "$log" | tr -d '\r' > "$work/dmesg"
# What the kernel must never say while the module is attacked.
kpat='BUG|WARNING|Oops|lockdep|circular locking|general protection|Call Trace'
kpat="$kpat|pagealloc:|Poison overwritten|Redzone|Object padding|Freepointer corrupt"
kpat="$kpat|blocked for more than|soft lockup|self-detected stall|rcu: INFO"
kpat="$kpat|x86/PAT: .*(conflicting memory types|freeing invalid memtype|map pfn|Overlap at|failed)"
kpat="$kpat|vmalloc error|vmalloc: allocation failure|page allocation failure"
bad=$(grep -E "$kpat" "$work/dmesg" || true)
if [ "$mode" = check ]; then
	grep -ao '@@KCHECKS.*' "$log" | tr -d '\r' | sed 's/^@@KCHECKS/qemu-check: guest kernel checks:/' || true
	# What the attacks did, and how long each program took.
	echo "qemu-check: attacks on the module:"
	tr -d '\r' < "$log" | grep -a -E '^@@(FUZZ|RACE|FAULT) \[' | sed 's/^@@/  /' || true
	tr -d '\r' < "$log" | grep -a '^@@TIME ' | awk '
		{ t = $5 - $4; all += t }
		$2 ~ /^(fuzz_kmod|race_kmod|test_kmod_fault)$/ {
			printf "qemu-check: %s on %s: %.0f s (exit %s)\n", $2, $3, t, $6; att += t }
		END { if (all) printf "qemu-check: guest programs %.0f s, of which the attacks %.0f s\n", all, att }'
fi
echo "qemu-check: guest ran $((end - start)) s"
status=0
if [ -z "$summary" ]; then
	echo "qemu-check: the guest did not finish (timeout ${QEMU_TIMEOUT}s or crash); last lines:"
	tail -n 30 "$log"
	status=1
else
	echo "qemu-check: guest summary: $summary"
	case $summary in
	*" 0 failed"*|"bench done") ;;
	*) status=1 ;;
	esac
fi
if [ "$mode" = check ] && ! grep -aq '^@@RMMOD ok' "$log"; then
	echo "qemu-check: rmmod tenstorrent failed in the guest"
	status=1
fi
if [ "$mode" = check ]; then
	# udev runs in the guest: the device names and ttctl's reset wait need it.
	if grep -aq '^@@UDEV started' "$log"; then
		echo "qemu-check: udev in the guest: started"
	else
		echo "qemu-check: udev in the guest: $(grep -ao '^@@UDEV.*' "$log" | tr -d '\r' || echo 'no report')"
		status=1
	fi
fi
if [ "$mode" = check ] && [ -n "$summary" ]; then
	# After the last test closed its files: nothing of the module's is held.
	if grep -aq '^@@RESOURCES clean' "$log"; then
		grep -ao '^@@RESOURCES.*' "$log" | tr -d '\r' | sed 's/^@@RESOURCES/qemu-check: resources:/'
	else
		echo "qemu-check: resources left after every file closed:"
		grep -a -E '^@@(LEAK|RESOURCES)' "$log" | tr -d '\r' | sed 's/^@@/  /'
		status=1
	fi
	n0=$(sed -n 's/^@@DEVICES \([0-9]*\).*/\1/p' "$log" | head -n 1)
	n1=$(sed -n 's/^@@DEVICES-END \([0-9]*\).*/\1/p' "$log" | head -n 1)
	if [ "$n0" != "$n1" ]; then
		echo "qemu-check: $n0 model devices at the start, ${n1:-?} at the end"
		status=1
	fi
fi
if [ ! -s "$work/dmesg" ]; then
	echo "qemu-check: dmesg scan: no dmesg from the guest"
	status=1
elif [ -n "$bad" ]; then
	echo "qemu-check: dmesg scan: FAILED: $(echo "$bad" | wc -l) lines, first of each kind:"
	echo "$bad" | sed 's/^\[[ 0-9.]*\] //' | awk '{ k = $1 " " $2 " " $3 } !seen[k]++' | head -n 12 |
		sed 's/^/  /'
	echo "qemu-check: the first report in full:"
	grep -E -B 5 -A 30 -m 1 "$kpat" "$work/dmesg"
	status=1
else
	echo "qemu-check: dmesg scan: clean ($(grep -c . "$work/dmesg") lines, no BUG/WARNING/Oops/lockdep," \
		"slab or page poison corruption, hung task, lockup, RCU stall, PAT conflict or vmalloc failure)"
fi
chips_report
if [ $status -ne 0 ]; then
	for f in "$work"/ttsim*.log; do
		sed 's/^/host: /' "$f"
	done
fi
exit $status
