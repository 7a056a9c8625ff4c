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
# summary and fails on a failed test or on BUG/WARNING/Oops/lockdep in the
# guest's dmesg. Bounded in time; removes its processes and files.
#
# Environment: BUILD (build), KDIR (/lib/modules/6.1.*/build), QEMU_TIMEOUT
# (whole run, seconds), TEST_TIMEOUT (one guest test, seconds), QEMU_ACCEL
# (tcg or kvm: skip the probe), QEMU_KEEP (keep the work directory).
set -eu
mode=${1:-check}
root=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "${BUILD:-build}" && pwd)
KDIR=${KDIR:-$(ls -d /lib/modules/6.1.*/build 2>/dev/null | head -n 1)}
KVER=$(basename "$(dirname "$KDIR")")
QEMU_TIMEOUT=${QEMU_TIMEOUT:-1500}
TEST_TIMEOUT=${TEST_TIMEOUT:-400}
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
# Each line of $work/list: a program and the model options it opens
# ("default" for the model's defaults; integration tests name theirs in
# open_device("sim:OPTIONS") calls, several per test at most).
list=$work/list
: > "$list"
specs_of() {	# the model options a libttuser integration test opens
	sed -n 's/.*open_device("sim:\([^"]*\)").*/\1/p' "$1" | awk '!seen[$0]++' | tr '\n' ' '
}
if [ "$mode" = bench ]; then
	echo "$BUILD/tests/qemu/bench_kmod default" >> "$list"
else
	for t in "$BUILD"/tests/qemu/test_kmod_*; do
		echo "$t default" >> "$list"
	done
	for e in "$BUILD"/examples/*; do
		echo "$e default" >> "$list"
	done
	for src in "$root"/tests/integration/test_*.c; do
		name=$(basename "$src" .c)
		opts=$(specs_of "$src")
		echo "$BUILD/tests/$name ${opts:-default}" >> "$list"
	done
	[ -e "$root/tests/qemu/test_ttctl_guest.sh" ] &&
		echo "$root/tests/qemu/test_ttctl_guest.sh default" >> "$list"
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
for p in $(awk '{print $1}' "$list") "$BUILD/bin/ttctl"; do
	copy_with_libs "$p"
done
mkdir -p "$rfs$root"
cp -r "$root/examples" "$root/tests" "$rfs$root/"
# Wrapper per test: its devices, its time bound.
i=0
while read -r prog opts; do
	map=""
	for o in $opts; do
		map="$map${map:+;}$o=$(device_of "$o")"
	done
	first=${opts%% *}
	w=$rfs/harness/t/$(printf '%02d' $i)-$(basename "$prog")
	{
		echo "#!/bin/sh"
		echo "export TT_DEVICE=$(device_of "$first")"
		[ "$first" = default ] || echo "export TT_TEST_DEVICES='$map'"
		echo "export TTCTL=$BUILD/bin/ttctl"
		[ -z "$host_bench" ] || echo "export TT_BENCH_HOST='$host_bench'"
		# matmul at make check's size (2048 takes far too long under TCG).
		echo "export MATMUL_SIZE=512"
		echo "exec timeout -s KILL $TEST_TIMEOUT $prog"
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
grep -ao '@@DEVICES.*' "$log" | tr -d '\r' | sed 's/^@@DEVICES/qemu-check: model devices in the guest:/' || true
summary=$(sed -n 's/^@@SUMMARY //p' "$log" | tr -d '\r')
sed -n '/^@@DMESG-BEGIN/,/^@@DMESG-END/p' "$log" | tr -d '\r' > "$work/dmesg"
bad=$(grep -E 'BUG|WARNING|Oops|lockdep|circular locking|general protection|Call Trace' \
	"$work/dmesg" || true)
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
if [ ! -s "$work/dmesg" ]; then
	echo "qemu-check: dmesg scan: no dmesg from the guest"
	status=1
elif [ -n "$bad" ]; then
	echo "qemu-check: dmesg scan: FAILED"
	grep -E -B 5 -A 30 -m 1 'BUG|WARNING|Oops|lockdep|circular locking|general protection|Call Trace' \
		"$work/dmesg"
	status=1
else
	echo "qemu-check: dmesg scan: clean ($(grep -c . "$work/dmesg") lines, no BUG/WARNING/Oops/lockdep)"
fi
chips_report
if [ $status -ne 0 ]; then
	for f in "$work"/ttsim*.log; do
		sed 's/^/host: /' "$f"
	done
fi
exit $status
