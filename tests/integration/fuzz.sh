#!/bin/sh
# fuzz.sh -- build and run every libFuzzer target, bounded in time.
#
# For each tests/fuzz/fuzz_NAME.c (which defines LLVMFuzzerTestOneInput):
#   1. build it with clang, -fsanitize=fuzzer,address,undefined, against
#      the library sources (src/lib/*.c, compiled once into build/fuzz/lib
#      and recompiled when a source or header changes) and the bundled
#      dependencies, into build/fuzz/fuzz_NAME;
#   2. run it once on every input in tests/fuzz/regress/NAME/ (crashes
#      found earlier, each also a unit-test case);
#   3. fuzz it for at most $FUZZ_TIME seconds (default 20) or $FUZZ_RUNS
#      executions (default 1000000), starting from the committed seeds in
#      tests/fuzz/corpus/NAME/ and what earlier runs found
#      (build/fuzz/corpus/NAME/, which grows and is never committed).
# One TAP line per target: "ok" when it built, every regression input ran
# cleanly and the fuzzer found nothing; otherwise "not ok" with the path of
# each crash file (build/fuzz/crash/NAME/...) and the end of the log.  To
# turn a crash into a regression test, copy the file into
# tests/fuzz/regress/NAME/ and add a unit-test case that feeds it in.
#
# Skipped when clang or its libFuzzer runtime (Debian: clang and
# libclang-rt-14-dev) is missing, and in the sanitizer build
# (make check-sanitize), whose plain `make check` already ran these.
# FUZZ_CC names another clang.
# run.sh: long -- 20 s of fuzzing per target, after clang builds
. "$TOP/tests/lib.sh"

CLANG=${FUZZ_CC:-clang}
FUZZ_TIME=${FUZZ_TIME:-20}
FUZZ_RUNS=${FUZZ_RUNS:-1000000}
OUT=$TOP/build/fuzz
TARGETS=$(ls "$TOP"/tests/fuzz/fuzz_*.c 2>/dev/null)

skip_all() {
  for t_src in $TARGETS; do
    t_name=$(basename "$t_src" .c)
    t_skip "$t_name" "$1"
  done
  [ -n "$TARGETS" ] || t_skip "fuzz targets" "$1"
  t_done
  exit
}

[ -n "$TARGETS" ] || skip_all "no tests/fuzz/fuzz_*.c"
# tests/run.sh sets QSTATIC; tests/sanitize.sh sets it to nothing
if [ "${QSTATIC+set}" = set ] && [ -z "$QSTATIC" ]; then
  skip_all "sanitizer build: the fuzz targets run in the plain make check"
fi
command -v "$CLANG" > /dev/null 2>&1 || skip_all "$CLANG is not installed (apt-get install clang libclang-rt-14-dev)"

SAN="-fsanitize=address,undefined -fno-sanitize-recover=all"
CFLAGS="-g -O1 -fno-omit-frame-pointer -std=gnu99 -Wall -Wextra"
INC="-I$TOP/build/include -I$TOP/src/lib -I$TOP/build/deps/include"
mkdir -p "$OUT/lib" "$OUT/log"

# libFuzzer's runtime present?
printf '#include <stdint.h>\n#include <stddef.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' \
  > "$OUT/probe.c"
if ! "$CLANG" -fsanitize=fuzzer $SAN -o "$OUT/probe" "$OUT/probe.c" > "$OUT/log/probe" 2>&1; then
  sed 's/^/# /' "$OUT/log/probe" | head -5
  skip_all "clang cannot link -fsanitize=fuzzer (apt-get install libclang-rt-14-dev)"
fi

# The library, instrumented for coverage (fuzzer-no-link) and sanitizers.
if [ ! -f "$TOP/build/include/qconf.h" ]; then
  (cd "$TOP" && t_make build/include/qconf.h > /dev/null 2>&1)
fi
lib_ok=1
newest_h=$(ls -t "$TOP"/src/lib/*.h "$TOP/build/include/qconf.h" 2>/dev/null | head -n 1)
objs=
for c in "$TOP"/src/lib/*.c; do
  o=$OUT/lib/$(basename "$c" .c).o
  objs="$objs $o"
  if [ ! -f "$o" ] || [ "$c" -nt "$o" ] || [ "$newest_h" -nt "$o" ]; then
    if ! "$CLANG" $CFLAGS -fsanitize=fuzzer-no-link $SAN $INC -c -o "$o" "$c" \
         > "$OUT/log/lib" 2>&1; then
      echo "# compiling $c failed:"
      sed 's/^/#   /' "$OUT/log/lib" | head -20
      rm -f "$o"
      lib_ok=0
      break
    fi
  fi
done
if [ $lib_ok = 1 ]; then
  rm -f "$OUT/libq.a"
  ar rc "$OUT/libq.a" $objs && ranlib "$OUT/libq.a" || lib_ok=0
fi
DEPLIBS=
for l in "$TOP/build/deps/lib/libbearssl.a" "$TOP/build/deps/lib/libcdb.a"; do
  [ -f "$l" ] && DEPLIBS="$DEPLIBS $l"
done

for src in $TARGETS; do
  name=$(basename "$src" .c)
  short=${name#fuzz_}
  bin=$OUT/$name
  log=$OUT/log/$name
  crashdir=$OUT/crash/$short
  if [ $lib_ok = 0 ]; then
    t_report 1 "$name: the library does not build with $CLANG"
    continue
  fi
  if ! "$CLANG" $CFLAGS -fsanitize=fuzzer $SAN $INC -o "$bin" "$src" \
       "$OUT/libq.a" $DEPLIBS > "$log.build" 2>&1; then
    echo "# building $name failed:"
    sed 's/^/#   /' "$log.build" | head -20
    t_report 1 "$name: builds"
    continue
  fi
  rm -rf "$crashdir" "$log" "$log.regress"
  mkdir -p "$crashdir" "$OUT/corpus/$short"
  problems=

  # the regression inputs, each once
  regress=$(ls "$TOP/tests/fuzz/regress/$short/"* 2>/dev/null)
  if [ -n "$regress" ]; then
    if ! "$bin" -artifact_prefix="$crashdir/" $regress > "$log.regress" 2>&1; then
      failed=$(sed -n 's/^Running: //p' "$log.regress" | tail -n 1)
      problems="regression input ${failed#$TOP/} fails"
      grep -E 'ERROR|SUMMARY|runtime error' "$log.regress" | head -n 10 | sed 's/^/#   /'
      echo "# full log: $log.regress"
    fi
  fi

  # the bounded fuzzing run
  seeds=
  [ -d "$TOP/tests/fuzz/corpus/$short" ] && seeds=$TOP/tests/fuzz/corpus/$short
  if [ -z "$problems" ]; then
    "$bin" -runs="$FUZZ_RUNS" -max_total_time="$FUZZ_TIME" -timeout=10 \
      -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$crashdir/" \
      "$OUT/corpus/$short" $seeds > "$log" 2>&1
    rc=$?
    [ $rc -eq 0 ] || problems="fuzzer exited with status $rc"
  fi
  crashes=$(ls "$crashdir" 2>/dev/null)
  if [ -n "$crashes" ]; then
    problems="${problems:-crash files}"
    for f in $crashes; do echo "# crash file: $crashdir/$f"; done
  fi
  if [ -n "$problems" ]; then
    [ -f "$log" ] && grep -E 'ERROR|SUMMARY|runtime error|==[0-9]+==' "$log" | head -n 15 | sed 's/^/#   /'
    [ -f "$log" ] && echo "# full log: $log"
    t_report 1 "$name: $problems"
  else
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
    t_report 0 "$name: ${execs:-?} runs, $cov, $(echo $regress | wc -w | tr -d ' ') regression inputs, no crash"
  fi
done

t_done
