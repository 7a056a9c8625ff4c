#!/bin/sh
# Smoke test of ttsim-proxy: a Wormhole and a Blackhole (Tenstorrent's ttsim)
# as PCI devices of a QEMU guest.
#
#   sh tests/qemu/proxy_smoke.sh         (make proxy-smoke)
#
# Starts one ttsim-proxy per chip, boots Debian's 6.1 kernel under QEMU (TCG)
# with a busybox initramfs and the two devices behind x-pci-proxy-dev, and
# checks in the guest: the IDs and BAR sizes in sysfs, Wormhole's ARC
# reset-unit scratch 0 (0xC0DE0001) and Blackhole's ARC boot status (5)
# through BAR0, and what a write ttsim refuses does: the proxy reports it
# with its category, the device reads all-ones from then on, the other
# device carries on, and the proxy exits non-zero. Prints the cost of a
# guest BAR read and `N passed, N failed`; exits non-zero on a failure.
#
# Environment: BUILD (build), QEMU_TIMEOUT (seconds, 180), QEMU_KEEP (keep
# the work directory), TTSIM_LIB (as ttsim-proxy takes it).
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "${BUILD:-$root/build}" && pwd)
QEMU_TIMEOUT=${QEMU_TIMEOUT:-180}
proxy=$BUILD/bin/ttsim-proxy
kernel=$(ls /boot/vmlinuz-6.1.* 2>/dev/null | head -n 1)

die() { echo "proxy-smoke: $*" >&2; exit 1; }
[ -x "$proxy" ] || die "no $proxy (make $BUILD/bin/ttsim-proxy)"
[ -n "$kernel" ] && [ -r "$kernel" ] || die "no /boot/vmlinuz-6.1.* (linux-image-amd64)"
command -v qemu-system-x86_64 >/dev/null || die "no qemu-system-x86_64 (qemu-system-x86)"
[ -x /bin/busybox ] || die "no /bin/busybox (busybox-static)"
if [ -z "${TTSIM_LIB:-}" ]; then
	for c in wh bh; do
		[ -r "$BUILD/ttsim/libttsim_$c.so" ] || die "no $BUILD/ttsim/libttsim_$c.so (make ttsim)"
	done
fi

work=$(mktemp -d "$BUILD/proxy-smoke.XXXXXX")
pids=""
cleanup() {
	for p in $pids; do
		kill "$p" 2>/dev/null || true
	done
	if [ -n "${QEMU_KEEP:-}" ]; then
		echo "proxy-smoke: kept $work"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- the guest: busybox, a BAR access helper, init ---------------------------
rfs=$work/rootfs
mkdir -p "$rfs/bin" "$rfs/proc" "$rfs/sys" "$rfs/dev"
cp /bin/busybox "$rfs/bin/busybox"
for a in $(/bin/busybox --list); do
	[ -e "$rfs/bin/$a" ] || ln -s busybox "$rfs/bin/$a"
done
# bar FILE OFFSET: 32-bit read; bar FILE OFFSET VALUE: write;
# bar -t N FILE OFFSET: N reads, prints nanoseconds per read.
cat > "$work/bar.c" <<'EOF'
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int i = 1, fd;
	long n = 0;
	unsigned long long off;
	volatile uint32_t *reg;
	uint8_t *map;

	if (argc > 3 && !strcmp(argv[1], "-t")) {
		n = strtol(argv[2], NULL, 0);
		i = 3;
	}
	if (argc - i != 2 && argc - i != 3) {
		fprintf(stderr, "usage: bar [-t N] RESOURCE_FILE OFFSET [VALUE]\n");
		return 2;
	}
	off = strtoull(argv[i + 1], NULL, 0);
	fd = open(argv[i], O_RDWR | O_SYNC);
	if (fd < 0) {
		perror(argv[i]);
		return 1;
	}
	map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)(off & ~0xfffull));
	if (map == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	reg = (volatile uint32_t *)(map + (off & 0xffc));
	if (argc - i == 3) {
		*reg = (uint32_t)strtoul(argv[i + 2], NULL, 0);
	} else if (n > 0) {
		struct timespec t0, t1;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (long k = 0; k < n; k++)
			(void)*reg;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		printf("%.0f\n", ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / n);
	} else {
		printf("0x%08x\n", *reg);
	}
	return 0;
}
EOF
cc -static -O2 -o "$rfs/bin/bar" "$work/bar.c" || die "cannot build the guest's BAR helper (static libc)"

cat > "$rfs/init" <<'EOF'
#!/bin/sh
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
exec >/dev/console 2>&1
echo
echo "@@BOOTED $(cut -d' ' -f1 /proc/uptime)"
wh="" bh=""
for d in /sys/bus/pci/devices/*; do
	[ "$(cat "$d/vendor")" = 0x1e52 ] || continue
	id=$(cat "$d/device")
	case $id in
	0x401e) c=wh; wh=$d ;;
	0xb140) c=bh; bh=$d ;;
	*) c=unknown ;;
	esac
	echo "@@DEV $c ${d##*/} 0x1e52 $id"
	i=0
	while read -r start end flags; do
		size=0
		[ $((start)) -ne 0 ] && size=$((end - start + 1))
		[ $i -le 6 ] && echo "@@BAR $c $i $size"
		i=$((i + 1))
	done < "$d/resource"
	echo 1 > "$d/enable"
done
if [ -n "$wh" ]; then
	echo "@@WH_SCRATCH $(bar "$wh/resource0" 0x1ff30060)"
	echo "@@WH_READ_NS $(bar -t 2000 "$wh/resource0" 0x1ff30060)"
fi
if [ -n "$bh" ]; then
	# A 2 MiB TLB window (0) onto the ARC tile (8,0) at 0x80000000 (APB):
	# reset unit scratch_ram[2] at 0x80030408 is the ARC boot status.
	bar "$bh/resource0" 0x1fc00000 0x400
	bar "$bh/resource0" 0x1fc00004 0x4000
	bar "$bh/resource0" 0x1fc00008 0
	echo "@@BH_BOOT $(bar "$bh/resource0" 0x30408)"
fi
if [ -n "$wh" ]; then
	# Inbound iATU region 1 ctrl_2 without bit 27: ttsim refuses it.
	bar "$wh/resource2" 0x1504 0xc0000400
	echo "@@WH_AFTER_FAULT $(bar "$wh/resource0" 0x1ff30060)"
	echo "@@WH_IDS_AFTER_FAULT $(cat "$wh/vendor") $(cat "$wh/device")"
fi
[ -n "$bh" ] && echo "@@BH_AFTER_FAULT $(bar "$bh/resource0" 0x30408)"
echo "@@DONE"
poweroff -f
EOF
chmod 755 "$rfs/init"
(cd "$rfs" && find . | cpio -o -H newc --quiet | gzip -1) > "$work/initrd"

# ---- the devices and the guest -------------------------------------------------
for c in wh bh; do
	"$proxy" -c "$c" -s "$work/$c.sock" --status "$work/$c.status" 2> "$work/$c.log" &
	pids="$pids $!"
	eval "pid_$c=$!"
done
start=$(date +%s.%N)
# ttsim-proxy --exec connects each device's fd=SOCKET and runs QEMU with the fds.
timeout -s KILL "$QEMU_TIMEOUT" "$proxy" --exec -- qemu-system-x86_64 -accel tcg \
	-machine pc,memory-backend=mem -m 512M -smp 1 -cpu max -nographic -no-reboot \
	-vga none -nic none \
	-object memory-backend-memfd,id=mem,size=512M,share=on \
	-device "x-pci-proxy-dev,id=wh0,fd=$work/wh.sock" \
	-device "x-pci-proxy-dev,id=bh0,fd=$work/bh.sock" \
	-kernel "$kernel" -initrd "$work/initrd" \
	-append "console=ttyS0 panic=-1 loglevel=4" \
	> "$work/console.log" 2>&1 < /dev/null || true
end=$(date +%s.%N)

# The proxies end when QEMU closes their sockets.
for c in wh bh; do
	eval "p=\$pid_$c"
	n=0
	while kill -0 "$p" 2>/dev/null && [ $n -lt 100 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	rc=0
	wait "$p" || rc=$?
	eval "rc_$c=$rc"
done
pids=""

# ---- checks ------------------------------------------------------------------------
tr -d '\r' < "$work/console.log" > "$work/console"
passed=0 failed=0
check() {	# check NAME EXPECTED ACTUAL
	if [ "$2" = "$3" ]; then
		echo "PASS $1"
		passed=$((passed + 1))
	else
		echo "FAIL $1: expected '$2', got '$3'"
		failed=$((failed + 1))
	fi
}
field() {	# field TAG [ARGS...]: the rest of the line "@@TAG ARGS ..."
	tag=$1
	shift
	sed -n "s/^.*@@$tag $* *//p" "$work/console" | head -n 1
}
check "guest finished" "yes" "$(grep -q '^@@DONE' "$work/console" && echo yes || echo no)"
check "Wormhole enumerates as 1e52:401e" "0x1e52 0x401e" "$(field DEV wh | cut -d' ' -f2-)"
check "Blackhole enumerates as 1e52:b140" "0x1e52 0xb140" "$(field DEV bh | cut -d' ' -f2-)"
check "Wormhole BARs (0..6)" "536870912 0 1048576 0 33554432 0 0" \
	"$(for i in 0 1 2 3 4 5 6; do field BAR wh $i; done | tr '\n' ' ' | sed 's/ $//')"
check "Blackhole BARs (0..6)" "536870912 0 1048576 0 0 0 0" \
	"$(for i in 0 1 2 3 4 5 6; do field BAR bh $i; done | tr '\n' ' ' | sed 's/ $//')"
check "Wormhole ARC scratch 0 through BAR0" "0xc0de0001" "$(field WH_SCRATCH)"
check "Blackhole ARC boot status through a BAR0 TLB window" "0x00000005" "$(field BH_BOOT)"
check "Wormhole reads all-ones after the refused write" "0xffffffff" "$(field WH_AFTER_FAULT)"
check "Wormhole config space after the refused write" "0x1e52 0x401e" "$(field WH_IDS_AFTER_FAULT)"
check "Blackhole unaffected by Wormhole's failure" "0x00000005" "$(field BH_AFTER_FAULT)"
check "Wormhole proxy: the error and its category" "yes" \
	"$(grep -q '^ttsim error: UnimplementedFunctionality: .*inbound iATU ctrl_2=0xc0000400' \
		"$work/wh.status" 2>/dev/null && echo yes || echo no)"
check "Wormhole proxy: status file counts it" "errors: 1" "$(head -n 1 "$work/wh.status" 2>/dev/null)"
check "Wormhole proxy exit status" "1" "$rc_wh"
check "Blackhole proxy: status file" "errors: 0" "$(head -n 1 "$work/bh.status" 2>/dev/null)"
check "Blackhole proxy exit status" "0" "$rc_bh"
check "QEMU reported no proxy failures" "0" "$(grep -c 'Failed to perform\|Invalid reply' "$work/console")"

booted=$(field BOOTED)
read_ns=$(field WH_READ_NS)
awk -v s="$start" -v e="$end" -v b="${booted:-?}" -v r="${read_ns:-0}" 'BEGIN {
	printf "proxy-smoke: QEMU ran %.1f s (init started at %s s of guest uptime); ", e - s, b
	printf "a guest 4-byte BAR read costs %.1f us\n", r / 1000 }'
for c in wh bh; do
	sed "s/^/proxy-smoke: $c: /" "$work/$c.log"
done
if [ $failed -ne 0 ]; then
	echo "proxy-smoke: guest console (last 40 lines):"
	tail -n 40 "$work/console"
fi
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
