#!/bin/sh
# ttctl on the in-process model: values, formats and exit codes.
# Prints "N passed, N failed"; exits non-zero on a failure.
ttctl=${BUILD:-build}/bin/ttctl
pass=0
fail=0

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

# expect CODE ARGS...: ttctl exits with CODE; its stdout is left in $out.
expect() {
	want=$1
	shift
	out=$("$ttctl" "$@" 2>/tmp/ttctl.err.$$)
	got=$?
	if [ "$got" -eq "$want" ]; then ok; else bad "ttctl $* exited $got, not $want: $(cat /tmp/ttctl.err.$$)"; fi
}

has() { case "$out" in *"$1"*) ok ;; *) bad "output lacks '$1': $out" ;; esac; }
err_has() { grep -q -- "$1" /tmp/ttctl.err.$$ && ok || bad "stderr lacks '$1': $(cat /tmp/ttctl.err.$$)"; }

expect 0 --help
has "exit codes"
expect 0 -d sim status
has "45."
has "alive"
expect 0 -d sim:grid=2x2 info
has "worker grid:     2 x 2"
has "in-process"

# JSON: valid, numbers as numbers, the model's values.
expect 0 -d sim status --json
printf '%s' "$out" | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)["device_info"][0]
t, l = d["telemetry"], d["limits"]
assert isinstance(t["asic_temperature"], float) and 44 <= t["asic_temperature"] <= 47, t
assert t["voltage"] == 0.8 and t["aiclk"] == 1000 and t["heartbeat_moving"] is True, t
assert l["thm_limit"] == 90.0 and l["tdp_limit"] == 150.0 and l["asic_fmax"] == 1000, l
assert d["board_info"]["dram_status"] is True and d["firmwares"]["fw_bundle_version"] == "1.0.0.0"
assert d["error"] is None
' && ok || bad "JSON status"
expect 0 -d sim:grid=4x4 info --json
printf '%s' "$out" | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["grid_x"] == 4 and d["grid_y"] == 4 and d["command_queues"] == 2, d
' && ok || bad "JSON info"

expect 0 -d sim status --csv
[ "$(printf '%s\n' "$out" | wc -l)" -eq 2 ] && ok || bad "CSV is not a header and a row: $out"
has "asic_temperature,thm_limit"
# A device name with commas is quoted: every row has the header's fields.
expect 0 -d sim:grid=2x2,threads=1 status --csv
printf '%s\n' "$out" | /usr/bin/python3 -c '
import csv, sys
rows = list(csv.reader(sys.stdin))
assert len(rows) == 2 and len(rows[0]) == len(rows[1]) == 16, rows
assert rows[1][0] == "sim:grid=2x2,threads=1" and rows[1][3] == "45.0", rows
' && ok || bad "CSV with a quoted device name: $out"
expect 0 -d sim watch -n 3 -i 0.05 --csv
[ "$(printf '%s\n' "$out" | wc -l)" -eq 4 ] && ok || bad "watch -n 3 gave: $out"

expect 0 -d sim reset
has "reset sim: ok (back by the reset state; reset 1, heartbeat"

# Bad input: one line on stderr and the documented code.
expect 2 bogus
err_has "unknown command 'bogus'"
expect 2
expect 2 -d sim reset extra
expect 2 reset
err_has "reset needs -d"
expect 2 -d 0000:zz status
err_has "not a PCI address"
expect 2 -d /dev/tenstorrent/x status
expect 2 -d nonsense status
expect 2 -d sim:grid=99x9 status
err_has "grid must be"
expect 2 -d sim watch -i -1
expect 2 -d sim watch -n 1.5
if [ ! -e /sys/module/tenstorrent ]; then
	expect 5 list
	err_has "driver is not loaded"
	expect 5 -d 3 status
	expect 5 status
fi
[ "$(wc -l < /tmp/ttctl.err.$$)" -le 1 ] && ok || bad "more than one line on stderr"
rm -f /tmp/ttctl.err.$$
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
