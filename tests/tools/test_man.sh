#!/bin/sh
# The manual: every page formats without a warning, every function the
# library exports is named by a page, every page a page refers to exists.
cd "$(dirname "$0")/../.."
passed=0
failed=0
ok() { passed=$((passed + 1)); }
bad() { echo "FAIL: $*"; failed=$((failed + 1)); }

pages=$(ls libttuser/man/*.[37] tools/*/*.1)
for p in $pages; do
	out=$(groff -man -ww -z "$p" 2>&1)
	if [ -z "$out" ]; then ok; else bad "$p: $out"; fi
done

# Names of the NAME sections (lines up to SYNOPSIS, words before "\-").
names=$(for p in libttuser/man/*.3; do
	sed -n '/^\.SH NAME/,/^\.SH/p' "$p" | grep -v '^\.SH' | sed 's/\\-.*//'
done | tr ', ' '\n\n' | grep -v '^$' | sort -u)
for sym in $(sed -n 's/^[[:space:]]*\(tt_[a-z0-9_]*\);/\1/p' libttuser/libttuser.map); do
	if echo "$names" | grep -qx "$sym"; then ok; else bad "$sym has no man page"; fi
done

# Every .BR page (N) a page cites is a page here.
for ref in $(cat $pages | sed -n 's/^\.BR \([a-z_\\-]*\) (\([137]\)).*/\1.\2/p' | sed "s/\\\\-/-/g" | grep -E "^(tt_|libttuser|ttuser|ttctl|ttdetect)" | sort -u); do
	if [ -n "$(ls libttuser/man/"$ref" tools/*/"$ref" 2>/dev/null)" ]; then ok
	else bad "cited page $ref does not exist"; fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
