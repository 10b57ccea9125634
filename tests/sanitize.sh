#!/bin/sh
# sanitize.sh -- build a copy of the tree with AddressSanitizer and
# UndefinedBehaviorSanitizer (gcc, glibc, dynamic: the sanitizer runtimes
# do not exist for static musl) and run the same tests there.  Any
# sanitizer report aborts the test that triggered it, so it counts as a
# failure.  Run as `make check-sanitize`.
set -eu
top=$(pwd)
dir=$top/build/sanitize
: "${MAKE:=make}" "${DISTDIR:=$top/build/distfiles}"
rm -rf "$dir"
mkdir -p "$dir"
for f in Makefile bsd.mk config.mk README.md src man tests porting etc rc.d init.d xinetd.d; do
  [ -e "$f" ] && cp -R "$f" "$dir/"
done
cd "$dir"
$MAKE clean > /dev/null
ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:halt_on_error=1
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export ASAN_OPTIONS UBSAN_OPTIONS
# LDFLAGS: src/lib/sanitize.c gives every program the options above as
# its own defaults, for the daemons started with a cleaned environment
exec $MAKE -j2 CC="${SAN_CC:-gcc}" LDSTATIC= DISTDIR="$DISTDIR" \
  LDFLAGS="-Wl,-u,__asan_default_options -Wl,-u,__ubsan_default_options" \
  CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
  check
