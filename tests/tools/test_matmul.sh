#!/bin/sh
# examples/matmul beyond its default run: other shapes, core grids, K-blocks,
# fidelities and the sharded output, each checked against float64 by the
# example itself; bad options. Prints "N passed, N failed".
matmul=${BUILD:-build}/examples/matmul
pass=0
fail=0
err=/tmp/test_matmul.err.$$

# expect CODE ARGS...: matmul exits with CODE; stdout in $out.
expect() {
	want=$1
	shift
	out=$(env -u MATMUL_SIZE "$matmul" "$@" 2>$err)
	got=$?
	if [ "$got" -eq "$want" ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL: matmul $* exited $got, not $want: $out $(cat $err)"
	fi
}

has() {
	case "$out$(cat $err)" in
	*"$1"*) pass=$((pass + 1)) ;;
	*) fail=$((fail + 1)); echo "FAIL: output lacks '$1': $out $(cat $err)" ;;
	esac
}

expect 0 -m 384 -n 640 -k 256 -g 5x3 -b 4 -o sharded sim:grid=6x4
has "on 5x3 cores (4x4 tiles each, K-blocks of 4, subblocks 2x4)"
has "block-sharded in L1"
has "per core: first done"
has "PCC 0.99999"
expect 0 -m 64 -n 32 -k 96 -g 1x1 -b 3 -f lofi
has "on 1x1 cores (2x1 tiles each, K-blocks of 3"
expect 0 -s 256 -f hifi2 -o dram sim:grid=4x2
has "on 4x2 cores (4x2 tiles each, K-blocks of 2, subblocks 4x2)"
expect 2 -m 100
has "multiples of 32"
expect 2 -s 512 -g 3x2
has "divide the 16x16 output tiles"
expect 2 -s 256 -b 3
has "K-block of 3 tiles must divide"
expect 2 -s 4096 -g 1x1
has "do not fit in L1"
expect 2 -o nowhere
has "dram or sharded"
rm -f $err
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
