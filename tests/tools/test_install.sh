#!/bin/sh
# make install as a package would (PREFIX=/usr into a DESTDIR), then what a
# user does: build a program with the installed header and
# `pkg-config --cflags --libs libttuser`, run it, and run the installed tools.
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
passed=0
failed=0
ok() { passed=$((passed + 1)); }
bad() { echo "FAIL: $*"; failed=$((failed + 1)); }
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT

if ! make --no-print-directory -s BUILD="$BUILD" PREFIX=/usr DESTDIR="$dest" install \
	>"$dest.log" 2>&1; then
	cat "$dest.log"
	rm -f "$dest.log"
	echo "FAIL: make install"
	echo "0 passed, 1 failed"
	exit 1
fi
rm -f "$dest.log"
multiarch=$(cc -print-multiarch)
libdir=$dest/usr/lib/$multiarch
for f in "$libdir/libttuser.so.0" "$libdir/libttuser.so" "$libdir/libttuser.a" \
	"$libdir/pkgconfig/libttuser.pc" "$dest/usr/include/ttuser.h" \
	"$dest/usr/include/ttuser/tt_core.h" "$dest/usr/include/ttuser/kernel/dataflow.h" \
	"$dest/usr/bin/ttctl" "$dest/usr/share/man/man3/tt_cq_finish.3"; do
	if [ -e "$f" ]; then ok; else bad "not installed: ${f#"$dest"}"; fi
done
grep -qx "libdir=/usr/lib/$multiarch" "$libdir/pkgconfig/libttuser.pc" && ok ||
	bad "libttuser.pc: libdir is not the multiarch folder"
grep -qx "Requires.private: libudev" "$libdir/pkgconfig/libttuser.pc" && ok ||
	bad "libttuser.pc: no Requires.private: libudev"

# The program, as a user builds it (sanitized when the library is).
export PKG_CONFIG_SYSROOT_DIR="$dest" PKG_CONFIG_PATH="$libdir/pkgconfig"
flags=$(pkg-config --cflags --libs libttuser) && ok || bad "pkg-config libttuser"
san=""
ldd "$libdir/libttuser.so.0" | grep -q libasan && san="-fsanitize=address,undefined"
if cc -std=c11 -Wall -Wextra -Werror $san tests/tools/install/hello_ttuser.c $flags \
	-o "$dest/hello_ttuser"; then ok; else bad "building against the installed library"; fi
out=$(XDG_CACHE_HOME="$dest/cache" LD_LIBRARY_PATH="$libdir" "$dest/hello_ttuser" 2>&1)
case $out in
*"4096 bytes through DRAM and back"*) ok ;;
*) bad "hello_ttuser: $out" ;;
esac
out=$(LD_LIBRARY_PATH="$libdir" "$dest/usr/bin/ttctl" -d sim:grid=2x2,threads=1 info 2>&1)
case $out in
*"2 x 2"*) ok ;;
*) bad "installed ttctl: $out" ;;
esac
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
