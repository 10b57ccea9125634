#!/bin/sh
# The build: static binaries, the same result from GNU make and bmake,
# no warnings, checksum-verified dependencies, validated knobs.
# run.sh: long -- two more builds of the whole tree
. "$TOP/tests/lib.sh"

list_bins() { (cd "$1" && ls) | tr '\n' ' '; }

if [ -n "${QSTATIC:-}" ]; then
  for prog in "$QBIN"/*; do
    name=$(basename "$prog")
    if [ "$(head -c 2 "$prog")" = '#!' ]; then
      # a shell script (qmailctl): nothing to link
      t_ok "$name is a shell script sh -n accepts" sh -n "$prog"
      continue
    fi
    t_match "$name is statically linked" "$(file -L "$prog")" 'statically linked'
    t_fail "ldd finds no libraries for $name" sh -c "ldd '$prog' 2>&1 | grep -q '=>'"
  done
else
  t_skip "static linking" "sanitizer build links dynamically"
fi

# Copy the tree (sources only) for separate builds.
copy_tree() {
  mkdir -p "$1"
  for f in Makefile bsd.mk config.mk src tests porting README.md; do
    cp -R "$TOP/$f" "$1/"
  done
  find "$1" \( -name '*.o' -o -name '*.a' \) -exec rm -f {} +
  find "$1/tests/unit" -type f ! -name '*.[ch]' -exec rm -f {} +
}
distdir=${DISTDIR:-$TOP/build/distfiles}

if [ -n "${QSTATIC:-}" ] && command -v bmake >/dev/null 2>&1; then
  b=$(t_tmpdir)/bmake
  copy_tree "$b"
  (cd "$b" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL bmake -j2 DISTDIR="$distdir") > "$b.log" 2>&1
  t_check "bmake builds the tree" "$?" 0
  t_check "bmake builds the same programs as GNU make" "$(list_bins "$b/build/bin")" "$(list_bins "$QBIN")"
  static=yes
  for prog in "$b"/build/bin/*; do
    [ "$(head -c 2 "$prog")" = '#!' ] && continue     # a shell script
    file -L "$prog" | grep -q 'statically linked' || static=no
  done
  t_check "every bmake-built program is static" "$static" yes
  t_check "the build prints no compiler warnings" "$(grep -c 'warning:' "$b.log")" 0
else
  t_skip "bmake build" "bmake not installed or sanitizer build"
fi

# DEPS=system links the system's libbearssl and libcdb instead.
if [ -n "${QSTATIC:-}" ] && [ -f /usr/include/bearssl.h ] && [ -f /usr/include/cdb.h ]; then
  sys=$(t_tmpdir)/system
  copy_tree "$sys"
  (cd "$sys" && t_make -j2 DEPS=system CC=gcc LDSTATIC= DISTDIR=/nonexistent) > "$sys.log" 2>&1
  t_check "DEPS=system builds with the system libraries" "$?" 0
  t_fail "DEPS=system fetched and built no bundled dependency" test -e "$sys/build/deps/lib/libbearssl.a"
  t_check "DEPS=system builds the same programs" "$(list_bins "$sys/build/bin")" "$(list_bins "$QBIN")"
  inst=$(t_tmpdir)
  t_ok "a DEPS=system program runs" env QMAILHOME="$inst" "$sys/build/bin/qmail-instcheck" -i
else
  t_skip "DEPS=system build" "libbearssl-dev or libcdb-dev not installed, or sanitizer build"
fi

# A bad archive stops the build, naming the file and both checksums.
dist=$(t_tmpdir)
good=$(awk '$1 == "tinycdb" && $3 == "upstream" { print $6 }' "$TOP/porting/distinfo")
echo "not really a tarball" > "$dist/tinycdb-0.78.tar.gz"
got=$(sha256sum < "$dist/tinycdb-0.78.tar.gz" | cut -d' ' -f1)
out=$(DISTDIR=$dist CC=${CC:-cc} sh "$TOP/porting/deps.sh" "$(t_tmpdir)" tinycdb 2>&1)
t_check "corrupted archive stops deps.sh" "$?" 1
t_match "message names the file" "$out" "checksum mismatch for $dist/tinycdb-0.78.tar.gz"
t_match "message gives the expected checksum" "$out" "expected sha256 $good"
t_match "message gives the actual checksum" "$out" "got $got"

# The same through make: the build stops.
m=$(t_tmpdir)/make
copy_tree "$m"
out=$(cd "$m" && t_make DISTDIR="$dist" 2>&1)
t_fail "make stops on the corrupted archive" test "$?" = 0
t_match "make shows the checksum message" "$out" 'checksum mismatch for .*tinycdb-0.78.tar.gz'
t_fail "no program was built" test -e "$m/build/bin/qmail-instcheck"

# A wrong knob stops the build with a clear message.
out=$(cd "$m" && t_make build/include/qconf.h QUEUE_SPLIT=24 2>&1)
t_match "QUEUE_SPLIT must be prime" "$out" 'QUEUE_SPLIT=24 is not prime'
out=$(cd "$m" && t_make build/include/qconf.h QUEUE_SPLIT=151 QMAILHOME=/opt/mail 2>&1)
t_match "knobs reach the header" "$(cat "$m/build/include/qconf.h")" '#define CONF_QUEUE_SPLIT 151'
t_match "home knob reaches the header" "$(cat "$m/build/include/qconf.h")" '#define CONF_HOME "/opt/mail"'
t_done
