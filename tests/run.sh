#!/bin/sh
# Run test programs and count their results: cmocka programs count each of
# their tests, other programs (the examples) count once. A program that
# exits 77 was skipped (an optional dependency is missing); its last line
# says why. Ends with the line "N passed, N failed, N skipped"; exits
# non-zero if anything failed. TEST_WRAPPER, if set, is the command each
# program runs under (make check-valgrind).
passed=0
failed=0
skipped=0
failures=""
log=$(mktemp)
for t in "$@"; do
	if $TEST_WRAPPER "$t" >"$log" 2>&1; then rc=0; else rc=$?; fi
	if [ "$rc" -eq 77 ]; then
		skipped=$((skipped + 1))
		echo "skip: $t ($(tail -n 1 "$log"))"
		continue
	fi
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test(s)\./\1/p' "$log" | awk '{s+=$1} END {print s+0}')
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test(s), listed below:/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
		# a script that counts for itself: "N passed, N failed"
		p=$(sed -n 's/^\([0-9]*\) passed, [0-9]* failed.*/\1/p' "$log" | tail -n 1)
		f=$(sed -n 's/^[0-9]* passed, \([0-9]*\) failed.*/\1/p' "$log" | tail -n 1)
		p=${p:-0}
		f=${f:-0}
	fi
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
		# not a cmocka program: one result
		if [ "$rc" -eq 0 ]; then p=1; else f=1; fi
	elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1	# crashed after its tests passed
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$rc" -ne 0 ] || [ "$f" -ne 0 ]; then
		failures="$failures $t"
		echo "FAIL: $t (exit $rc)"
		tail -n 40 "$log"
	else
		echo "ok:   $t ($p)"
	fi
done
rm -f "$log"
[ -n "$failures" ] && echo "failed:$failures"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
