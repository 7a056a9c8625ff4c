# shellcheck shell=sh
# Wormhole and Blackhole in the QEMU harness: Tenstorrent's ttsim served by
# tools/ttsim-proxy (one process per chip) as PCI devices of the guest
# (x-pci-proxy-dev), bound to tenstorrent.ko through its PCI id table.
#
# On the host, tests/qemu/run.sh sources this file (check mode) once its
# list of guest programs is made, then calls chips_rootfs (before the
# initramfs is packed), chips_start (before the boot) and chips_report
# (with the report). In the guest, tests/qemu/init runs
# "sh /harness/chips.sh guest hold" before it loads the module and
# "... guest run" after the model devices' tests.
#
# The chips are bound once the model devices' tests are done: those run as
# they always have (the model devices keep /dev/tenstorrent/0..K-1, and no
# other device is there). Then the chip test (tests/qemu/test_kmod_chip.c)
# runs once per chip, with every device bound, and finds its node by PCI
# id. Each chip class gets its own summary: tests, the ttsim errors its
# proxy counted (none allowed), its kernel log lines (none at error level
# allowed) and the guest's seconds for it.
#
# Environment (host): QEMU_CHIPS, the chips to add ("wh bh" by default;
# empty for none).

chip_name() {
	case $1 in wh) echo wormhole ;; bh) echo blackhole ;; esac
}

chip_pci_id() {
	case $1 in wh) echo 0x401e ;; bh) echo 0xb140 ;; esac
}

# ---- guest ------------------------------------------------------------------
# Tenstorrent PCI functions, in PCI order.
chips_guest_devices() {
	for d in $(ls -d /sys/bus/pci/devices/* | sort); do
		[ "$(cat "$d/vendor")" = 0x1e52 ] && echo "$d"
	done
}

chips_guest() {
	case $1 in
	hold)	# before insmod: the module must not take the chips first
		for d in $(chips_guest_devices); do
			echo chips-wait > "$d/driver_override"
		done
		;;
	bind)	# after the model devices and their tests
		for d in $(chips_guest_devices); do
			echo tenstorrent > "$d/driver_override"
			echo "${d##*/}" > /sys/bus/pci/drivers_probe
		done
		# udev names them (by-id, by-path) before their tests look
		[ -S /run/udev/control ] && udevadm settle --timeout=30
		while read -r name id <&3; do
			echo "@@CHIP $name $(chips_guest node "$id")"
		done 3< /harness/chips
		;;
	node)	# /dev/tenstorrent/N of the chip with PCI device id $2
		for c in /sys/class/tenstorrent/*; do
			[ "$(cat "$c/device/device" 2>/dev/null)" = "$2" ] || continue
			echo "/dev/tenstorrent/${c##*!}"
			return 0
		done
		echo "/dev/tenstorrent/none"
		;;
	run)	# bind, then each chip's tests, summary, time and kernel log lines
		chips_guest bind
		while read -r name id <&3; do
			t0=$(cut -d' ' -f1 /proc/uptime)
			# shellcheck disable=SC2046
			sh /harness/run.sh $(cat "/harness/tests.$name") 2>&1 | tee "/tmp/run.$name.log"
			t1=$(cut -d' ' -f1 /proc/uptime)
			echo "@@CHIP-SUMMARY $name $(tail -n 1 "/tmp/run.$name.log")"
			echo "@@CHIP-TIME $name $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", b - a }')"
			node=$(chips_guest node "$id")
			bdf=$(basename "$(readlink "/sys/class/tenstorrent/tenstorrent!${node##*/}/device")")
			dmesg -r | grep " $bdf: " | sed "s/^/@@CHIP-LOG $name /"
		done 3< /harness/chips
		;;
	esac
}

if [ "${1:-}" = guest ]; then
	shift
	chips_guest "$@"
	exit 0
fi

# ---- host (sourced by run.sh) -------------------------------------------------
chips=""
[ "$mode" = check ] && chips=${QEMU_CHIPS-wh bh}
# The chip test runs once per chip, never on a model device.
sed -i '/\/test_kmod_chip /d' "$list"
chip_proxy=$BUILD/bin/ttsim-proxy
chip_pids=""
if [ -n "$chips" ]; then
	[ -x "$chip_proxy" ] || die "no $chip_proxy (make ttsim-proxy)"
	[ -x "$BUILD/tests/qemu/test_kmod_chip" ] || die "no $BUILD/tests/qemu/test_kmod_chip"
	for c in $chips; do
		[ -n "$(chip_name "$c")" ] || die "QEMU_CHIPS: '$c' is not wh or bh"
		[ -r "$BUILD/ttsim/libttsim_$c.so" ] || die "no $BUILD/ttsim/libttsim_$c.so (make ttsim)"
	done
fi

# Into the initramfs: the test, this script, a wrapper and a list per chip.
chips_rootfs() {
	[ -n "$chips" ] || return 0
	copy_with_libs "$BUILD/tests/qemu/test_kmod_chip"
	cp "$root/tests/qemu/chips.sh" "$rfs/harness/chips.sh"
	for c in $chips; do
		name=$(chip_name "$c")
		w=$rfs/harness/t/chip-$name
		{
			echo "#!/bin/sh"
			echo "export TT_CHIP=$name"
			echo "export TT_DEVICE=\$(sh /harness/chips.sh guest node $(chip_pci_id "$c"))"
			echo "export TTCTL=$BUILD/bin/ttctl"
			echo "exec timeout -s KILL $TEST_TIMEOUT $BUILD/tests/qemu/test_kmod_chip"
		} > "$w"
		chmod 755 "$w"
		echo "/harness/t/chip-$name" > "$rfs/harness/tests.$name"
		echo "$name $(chip_pci_id "$c")" >> "$rfs/harness/chips"
	done
}

# One ttsim-proxy per chip; QEMU is started through ttsim-proxy --exec,
# which connects each x-pci-proxy-dev's socket. Under TCG only. Nothing
# runs on the chips' cores (ARC, the DMA engine and the TLB windows answer
# within the access), so the chips are not clocked while QEMU is quiet:
# they would take CPU from the guest for the whole run.
chips_start() {
	[ -n "$chips" ] || return 0
	if [ "$accel" != tcg ]; then
		echo >&2 "qemu-check: ttsim-proxy devices run under TCG only: accel tcg"
		accel=tcg
	fi
	for c in $chips; do
		nice -n 5 "$chip_proxy" -c "$c" -s "$work/$c.sock" --status "$work/$c.status" \
			--idle-clocks 0 2> "$work/ttsim-proxy-$c.log" &
		pids="$pids $!"
		chip_pids="$chip_pids $c:$!"
		qdev="$qdev -device x-pci-proxy-dev,id=$c,fd=$work/$c.sock"
	done
	qemu_base="$chip_proxy --exec -- $qemu_base"
	echo >&2 "qemu-check: chips under ttsim: $chips"
}

# Per class: tests, ttsim errors, kernel log; status=1 on any failure.
chips_report() {
	[ -n "$chips" ] || return 0
	tr -d '\r' < "$log" > "$work/console.txt"
	# The proxies end once QEMU hangs up; their status files are final then.
	for cp in $chip_pids; do
		n=0
		while kill -0 "${cp#*:}" 2>/dev/null && [ $n -lt 100 ]; do
			sleep 0.1
			n=$((n + 1))
		done
	done
	echo "qemu-check: per device class:"
	printf 'qemu-check:   %-9s  %s; dmesg scan %s\n' model "${summary:-no summary}" \
		"$([ -z "$bad" ] && [ -s "$work/dmesg" ] && echo clean || echo FAILED)"
	for c in $chips; do
		name=$(chip_name "$c")
		# (run.sh has set -e: a command that finds nothing must not end it)
		s=$(sed -n "s/^@@CHIP-SUMMARY $name //p" "$work/console.txt" | head -n 1)
		secs=$(sed -n "s/^@@CHIP-TIME $name //p" "$work/console.txt" | head -n 1)
		node=$(sed -n "s/^@@CHIP $name //p" "$work/console.txt" | head -n 1)
		errs=$(sed -n '1s/^errors: //p' "$work/$c.status" 2>/dev/null || true)
		klog=$(grep -c "^@@CHIP-LOG $name " "$work/console.txt" || true)
		kerr=$(grep -c "^@@CHIP-LOG $name <[0-3]>" "$work/console.txt" || true)
		printf 'qemu-check:   %-9s  %s; ttsim errors %s; dmesg %s lines, %s at error level; %s s in the guest (%s)\n' \
			"$name" "${s:-no summary}" "${errs:-unknown}" "$klog" "$kerr" "${secs:-?}" "${node:-not bound}"
		ok=yes
		case $s in
		*" 0 failed"|*" 0 failed, "*) [ "${s%% *}" -gt 0 ] 2>/dev/null || ok=no ;;
		*) ok=no ;;
		esac
		[ "$errs" = 0 ] || ok=no
		[ "$kerr" -eq 0 ] || ok=no
		[ -z "$bad" ] || ok=no
		if [ $ok = no ]; then
			status=1
			echo "qemu-check: $name FAILED; its proxy's status and log, its kernel log:"
			sed "s/^/  status: /" "$work/$c.status" 2>/dev/null || true
			sed "s/^/  proxy: /" "$work/ttsim-proxy-$c.log" || true
			sed -n "s/^@@CHIP-LOG $name /  kernel: /p" "$work/console.txt"
		fi
	done
}
