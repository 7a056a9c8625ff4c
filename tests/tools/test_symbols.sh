#!/bin/sh
# The library's exports: what libttuser.so exports is exactly what
# libttuser.map lists, each at version TTUSER_0.1, and each is a function
# or object declared in the public header ttuser.h; every function the
# header declares is exported.
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
lib=$BUILD/lib/libttuser.so.0
passed=0
failed=0
ok() { passed=$((passed + 1)); }
bad() { echo "FAIL: $*"; failed=$((failed + 1)); }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

[ -r "$lib" ] || { echo "FAIL: no $lib"; echo "0 passed, 1 failed"; exit 1; }
# Defined dynamic symbols with their version: "name@@TTUSER_0.1".
nm -D --defined-only --with-symbol-versions "$lib" | awk '{print $3}' |
	grep -v '^TTUSER_' | sort > "$tmp/exported"
sed -n 's/^[[:space:]]*\(tt_[a-z0-9_]*\);/\1/p' libttuser/libttuser.map | sort > "$tmp/map"
# Names the header declares as functions: "name(" at a declaration's start.
sed -n 's/^[a-z].*[ *]\(tt_[a-z0-9_]*\)(.*/\1/p' libttuser/include/ttuser.h | sort -u > "$tmp/header"

while read -r e; do
	name=${e%%@*}
	case $e in
	*@@TTUSER_0.1) ok ;;
	*) bad "$e: not at version TTUSER_0.1" ;;
	esac
	if grep -qx "$name" "$tmp/map"; then ok; else bad "$name exported but not in libttuser.map"; fi
	if grep -qx "$name" "$tmp/header"; then ok; else bad "$name exported but not declared in ttuser.h"; fi
done < "$tmp/exported"
sed 's/@.*//' "$tmp/exported" > "$tmp/names"
while read -r m; do
	if grep -qx "$m" "$tmp/names"; then ok; else bad "$m in libttuser.map but not exported"; fi
done < "$tmp/map"
while read -r h; do
	if grep -qx "$h" "$tmp/names"; then ok; else bad "$h declared in ttuser.h but not exported"; fi
done < "$tmp/header"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
