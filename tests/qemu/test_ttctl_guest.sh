#!/bin/sh
# ttctl in the QEMU guest, on the model device behind the tenstorrent
# module: list, info, status (--json, table), reset, bad input. Values are
# checked against what the model reports through the module's sysfs and
# hwmon files (another path to the same registers).
# Prints "N passed, N failed"; exits non-zero on a failure.
ttctl=${TTCTL:-build/bin/ttctl}
node=${TT_DEVICE:-/dev/tenstorrent/0}
idx=${node##*/}
sys=/sys/class/tenstorrent/tenstorrent!$idx
pass=0
fail=0
err=/tmp/ttctl.err.$$

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
expect() {
	want=$1
	shift
	out=$("$ttctl" "$@" 2>$err)
	got=$?
	[ "$got" -eq "$want" ] && ok || bad "ttctl $* exited $got, not $want: $(cat $err)"
}
has() { case "$out" in *"$1"*) ok ;; *) bad "output lacks '$1': $out" ;; esac; }
err_has() { grep -q -- "$1" $err && ok || bad "stderr lacks '$1': $(cat $err)"; }
# A JSON number of $out by key (the first one).
num() { printf '%s' "$out" | sed -n "s/.*\"$1\":\(-\{0,1\}[0-9.]*\).*/\1/p" | head -n 1; }
# equal A B: the same number (awk compares as numbers).
equal() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a == b && a != "") }' && ok || bad "$3: $1 != $2"; }
hwmon() { cat "$sys"/device/hwmon/hwmon*/"$1"; }

bdf=$(basename "$(readlink "$sys/device")")

expect 0 list
has "$node"
has "$bdf"
has "model"
has "ttsim"
expect 0 list --json
has "\"index\":$idx,"
has "\"bus_id\":\"$bdf\""
has "\"chip\":\"model\""

expect 0 -d "$bdf" info
has "worker grid:     8 x 8"
has "(kmod)"
expect 0 -d "$node" info --json
equal "$(num grid_x)" 8 "info grid_x"
has "\"transport\":\"kmod\""

# Status: the library reads the register page; sysfs and hwmon read it
# through the module. Limits and clocks are constant in the model.
expect 0 -d "$idx" status --json
equal "$(num aiclk)" "$(cat "$sys/tt_aiclk")" "aiclk vs tt_aiclk"
equal "$(num asic_fmax)" "$(cat "$sys/tt_aiclk_max")" "asic_fmax vs tt_aiclk_max"
equal "$(num voltage)" "$(awk "BEGIN { print $(hwmon in0_input) / 1000 }")" "voltage vs in0_input"
equal "$(num thm_limit)" "$(awk "BEGIN { print $(hwmon temp1_max) / 1000 }")" "thm_limit vs temp1_max"
equal "$(num tdp_limit)" "$(awk "BEGIN { print $(hwmon power1_max) / 1000000 }")" "tdp_limit vs power1_max"
equal "$(num tdc_limit)" "$(awk "BEGIN { print $(hwmon curr1_max) / 1000 }")" "tdc_limit vs curr1_max"
t=$(num asic_temperature)
h=$(awk "BEGIN { print $(hwmon temp1_input) / 1000 }")
awk -v a="$t" -v b="$h" 'BEGIN { d = a - b; exit !(a > 0 && d < 2 && d > -2) }' && ok ||
	bad "temperature $t vs hwmon $h"
has '"heartbeat_moving":true'
has '"dram_status":true'
has '"error":null'
[ "$(cat "$sys/tt_card_type")" = ttsim ] && ok || bad "tt_card_type: $(cat "$sys/tt_card_type")"
has "\"Driver\":\"tenstorrent $(cat /sys/module/tenstorrent/version)\""
has "\"fw_bundle_version\":\"$(cat "$sys/tt_fw_bundle_ver")\""
expect 0 -d "$idx" status
has "alive"

# watch: two readings; the model's heartbeat moves between them, and the
# module's sysfs file, read afterwards, is not behind either.
expect 0 -d "$idx" watch -n 2 -i 0.5 --json
[ "$(printf '%s\n' "$out" | grep -c '"heartbeat":')" -eq 2 ] && ok || bad "watch -n 2: $out"
hb1=$(printf '%s\n' "$out" | head -n 1 | sed -n 's/.*"heartbeat":\([0-9]*\).*/\1/p')
hb2=$(printf '%s\n' "$out" | tail -n 1 | sed -n 's/.*"heartbeat":\([0-9]*\).*/\1/p')
hbs=$(cat "$sys/tt_heartbeat")
awk -v a="$hb1" -v b="$hb2" -v c="$hbs" 'BEGIN { exit !(a != "" && b > a && c >= b) }' && ok ||
	bad "heartbeat: watch $hb1 then $hb2, sysfs $hbs"

# CSV: a header and one row; columns by name.
expect 0 -d "$idx" telemetry --csv
[ "$(printf '%s\n' "$out" | wc -l)" -eq 2 ] && ok || bad "csv lines: $out"
col() { printf '%s\n' "$out" | awk -F, -v k="$1" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == k) c = i }
	NR == 2 && c { print $c }'; }
equal "$(col aiclk)" "$(cat "$sys/tt_aiclk")" "csv aiclk vs tt_aiclk"
equal "$(col thm_limit)" "$(awk "BEGIN { print $(hwmon temp1_max) / 1000 }")" "csv thm_limit vs temp1_max"
[ "$(col chip)" = model ] && ok || bad "csv chip: $(col chip)"

# Reset: refused while another process holds the device, then done.
( exec 3<>"$node"; sleep 30 ) &
holder=$!
sleep 1
gen=$(cat "$sys/tt_reset_generation")
expect 8 -d "$idx" reset
err_has "held by process"
[ "$(cat "$sys/tt_reset_generation")" = "$gen" ] && ok || bad "a refused reset changed the generation"
kill $holder
wait $holder 2>/dev/null
expect 0 -d "$idx" reset
has "reset $node: ok (back through udev at generation $((gen + 1))"
equal "$(cat "$sys/tt_reset_generation")" "$((gen + 1))" "reset generation"
expect 0 -d "$idx" status --json
has '"heartbeat_moving":true'

# udev's names and group for the node (tools/udev/60-tenstorrent.rules).
link=""
for l in /dev/tenstorrent/by-path/*; do
	[ "$(readlink -f "$l")" = "$node" ] && link=$l
done
[ -n "$link" ] && ok || bad "no /dev/tenstorrent/by-path link to $node: $(ls -l /dev/tenstorrent/by-path 2>&1)"
[ "$(stat -c %G "$node")" = tenstorrent ] && ok || bad "$node belongs to group $(stat -c %G "$node")"
[ "$(stat -c %a "$node")" = 660 ] && ok || bad "$node has mode $(stat -c %a "$node")"

# Bad input: the documented codes.
expect 3 -d $(( $(ls /dev/tenstorrent | wc -l) + 50 )) status
expect 3 -d 0000:00:1f.7 status
expect 2 -d "$node" reset extra
expect 2 -d /dev/tenstorrent/x status

rm -f $err
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
