#!/bin/sh
# The test runner itself: a failing assertion, a crash, a test that
# runs nothing and a test that stops before its plan line (or reports a
# different number of tests than its plan) each make the run fail with
# an honest summary line.  Run in parallel (TEST_JOBS), a failing
# script still fails the run, the scripts do run at the same time, each
# one's output comes whole, an "alone" script runs with nothing beside
# it and a "long" one starts first.
. "$TOP/tests/lib.sh"

dir=$(t_tmpdir)
cc=${CC:-cc}
command -v "$cc" >/dev/null 2>&1 || cc=gcc
cat > "$dir/broken.c" <<'C'
#include "unit.h"
static void test_right(void) { CHECK(1 + 1 == 2); }
static void test_broken(void) { CHECK(1 + 1 == 3); }
int main(void) { RUN(test_right); RUN(test_broken); return unit_done(); }
C
if "$cc" -I"$TOP/tests/unit" -o "$dir/broken" "$dir/broken.c" 2>"$dir/cc.log"; then
  out=$(sh "$TOP/tests/run.sh" "$dir/broken" 2>&1)
  t_check "a broken assertion makes the run exit non-zero" "$?" 1
  t_match "the failed check is named with file and line" "$out" 'broken.c:3: check failed: 1 \+ 1 == 3'
  t_match "summary counts one pass and one failure" "$out" '^1 passed, 1 failed$'
  t_match "a unit test prints its plan" "$(cd "$dir" && ./broken)" '^1\.\.2$'
  cat > "$dir/noplan.c" <<'C'
#include "unit.h"
static void test_right(void) { CHECK(1 + 1 == 2); }
int main(void) { RUN(test_right); return 0; }
C
  if "$cc" -I"$TOP/tests/unit" -o "$dir/noplan" "$dir/noplan.c" 2>>"$dir/cc.log"; then
    out=$(sh "$TOP/tests/run.sh" "$dir/noplan" 2>&1)
    t_check "a unit test that returns 0 before unit_done() fails the run" "$?" 1
    t_match "it is reported as stopping before its plan" "$out" 'noplan stopped before its plan line \(after 1 tests\)'
  else
    t_skip "a unit test without its plan" "the C compiler failed"
  fi
else
  t_skip "broken assertion" "no C compiler"
  t_skip "a unit test without its plan" "no C compiler"
fi

printf '#!/bin/sh\necho "ok 1 - fine"\nkill -SEGV $$\n' > "$dir/crash.sh"
chmod +x "$dir/crash.sh"
out=$(sh "$TOP/tests/run.sh" "$dir/crash.sh" 2>&1)
t_check "a test that crashes after passing lines fails the run" "$?" 1
t_match "the crash is reported" "$out" 'crash.sh exited with status'

printf '#!/bin/sh\nexit 0\n' > "$dir/empty.sh"
chmod +x "$dir/empty.sh"
out=$(sh "$TOP/tests/run.sh" "$dir/empty.sh" 2>&1)
t_check "a test that runs nothing fails the run" "$?" 1
t_match "it is reported as running no test" "$out" 'empty.sh ran no test'

printf '#!/bin/sh\necho "ok 1 - a"\necho "ok 2 - b # SKIP no tool"\necho 1..2\n' > "$dir/skip.sh"
chmod +x "$dir/skip.sh"
out=$(sh "$TOP/tests/run.sh" "$dir/skip.sh" 2>&1)
t_check "passes and skips alone succeed" "$?" 0
t_match "skips are counted apart" "$out" '^1 passed, 0 failed, 1 skipped$'

# Scripts written with tests/lib.sh: one that reaches t_done passes; one
# that dies on the way (an exit 0 in the middle, as a helper that gives
# up might do) fails, though every line it printed was "ok".
cat > "$dir/whole.sh" <<'EOF'
#!/bin/sh
. "$TOP/tests/lib.sh"
t_ok "one" true
t_check "two" a a
t_done
EOF
sed 's/^t_check "two" a a$/exit 0/' "$dir/whole.sh" > "$dir/dies.sh"
chmod +x "$dir/whole.sh" "$dir/dies.sh"
out=$(sh "$TOP/tests/run.sh" "$dir/whole.sh" 2>&1)
t_check "a lib.sh script that reaches t_done passes" "$?" 0
t_match "... with its plan line counted" "$out" '^2 passed, 0 failed$'
out=$(sh "$TOP/tests/run.sh" "$dir/dies.sh" 2>&1)
t_check "a lib.sh script that exits 0 before its plan fails the run" "$?" 1
t_match "it is reported as stopping before its plan" "$out" 'dies.sh stopped before its plan line \(after 1 tests\)'
t_match "summary counts its pass and the failure" "$out" '^1 passed, 1 failed$'

printf '#!/bin/sh\necho 1..3\necho "ok 1 - a"\necho "ok 2 - b"\n' > "$dir/short.sh"
chmod +x "$dir/short.sh"
out=$(sh "$TOP/tests/run.sh" "$dir/short.sh" 2>&1)
t_check "fewer tests than a leading plan says fails the run" "$?" 1
t_match "the difference is reported" "$out" 'short.sh planned 3 tests but reported 2'

printf '#!/bin/sh\necho "ok 1 - a"\necho 1..1\necho "ok 2 - b"\necho 1..2\n' > "$dir/twice.sh"
chmod +x "$dir/twice.sh"
out=$(sh "$TOP/tests/run.sh" "$dir/twice.sh" 2>&1)
t_check "two plan lines fail the run" "$?" 1
t_match "they are reported" "$out" 'twice.sh printed 2 plan lines'

# Parallel runs.  The scripts below note in $PAR what they are doing:
# NAME.up once started, NAME.running until it ends.  In a script,
# "meet OTHER" waits (at most 20 s) for OTHER to start, so two scripts
# that meet each other pass only when they really run at the same time;
# "lines" then prints slowly, so that output not kept apart would mix.
par=$dir/par
mkdir "$par"
script() {   # NAME [MARK]: $par/NAME.sh with those helpers; its body follows
  { echo '#!/bin/sh'
    [ -z "${2:-}" ] || echo "# run.sh: $2"
    echo ': > "$PAR/$(basename "$0" .sh).up"; : > "$PAR/$(basename "$0" .sh).running"'
    echo 'me=$(basename "$0" .sh); n=0'
    echo 'say() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $me $2"; else echo "not ok $n - $me $2"; fi; }'
    echo 'meet() { i=0; while [ ! -e "$PAR/$1.up" ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done'
    echo '         [ -e "$PAR/$1.up" ]; say $? "met $1"; }'
    echo 'lines() { for k in 1 2 3; do say 0 "line $k"; sleep 0.1; done; }'
    echo 'finish() { rm -f "$PAR/$me.running"; echo "1..$n"; }'
  } > "$par/$1.sh"
  chmod +x "$par/$1.sh"
}
script p1; echo 'meet p2; lines; finish' >> "$par/p1.sh"
script p2; echo 'meet p1; lines; finish' >> "$par/p2.sh"
script bad; echo 'meet p1; say 1 "broken"; lines; finish' >> "$par/bad.sh"
# nothing else may be running while an "alone" script is
script solo alone
echo 'for w in start end; do
  [ -z "$(cd "$PAR" && ls | grep "\.running$" | grep -v "^solo\.")" ]; say $? "nothing else runs at its $w"
  sleep 0.5; done; lines; finish' >> "$par/solo.sh"
out=$(PAR=$par TEST_JOBS=3 sh "$TOP/tests/run.sh" "$par/p1.sh" "$par/bad.sh" "$par/solo.sh" "$par/p2.sh" 2>&1)
t_check "parallel: a failing script among passing ones fails the run" "$?" 1
t_match "parallel: scripts do run at the same time" "$out" '^ok 1 - p1 met p2$'
t_match "... both ways" "$out" '^ok 1 - p2 met p1$'
t_match "parallel: the summary counts every script" "$out" '^17 passed, 1 failed$'
t_match "parallel: the failing script is named" "$out" "^# failing: $par/bad.sh\$"
t_check "parallel: each script's lines come whole, under its own name" \
  "$(printf '%s\n' "$out" | awk '
      /^# \// { name = $2; sub(/.*\//, "", name); sub(/\.sh$/, "", name); next }
      /^(not )?ok / { who = $0; sub(/^(not )?ok [0-9]+ - /, "", who); sub(/ .*/, "", who)
                      if (who != name) bad++ }
      END { print bad + 0 }')" 0
t_check "parallel: one block per script" "$(printf '%s\n' "$out" | grep -c '^# /')" 4
t_match "parallel: an \"alone\" script runs with nothing beside it" "$out" \
  '^ok 2 - solo nothing else runs at its end$'
t_match "... even where it was named among the others" "$out" '^ok 1 - solo nothing else runs at its start$'

# A "long" script starts before those named ahead of it: with two slots
# s1 waits for it, and s2 starts only when s1 or the long one is done.
rm -f "$par"/*.up
script s1; echo 'meet late; finish' >> "$par/s1.sh"
script s2; echo '[ -e "$PAR/late.up" ]; say $? "started after the long script"; finish' >> "$par/s2.sh"
script late long; echo 'say 0 "ran"; finish' >> "$par/late.sh"
out=$(PAR=$par TEST_JOBS=2 sh "$TOP/tests/run.sh" "$par/s1.sh" "$par/s2.sh" "$par/late.sh" 2>&1)
t_check "parallel: a long script named last starts first" "$?" 0
t_match "... the others waited for it" "$out" '^3 passed, 0 failed$'

# TEST_JOBS=1: one at a time, marks or not, in the order given.
out=$(PAR=$par TEST_JOBS=1 sh "$TOP/tests/run.sh" "$par/late.sh" "$par/solo.sh" "$dir/skip.sh" 2>&1)
t_check "TEST_JOBS=1: passes" "$?" 0
t_check "TEST_JOBS=1: the tests run in the order given" \
  "$(printf '%s\n' "$out" | sed -n 's|^# .*/||p' | tr '\n' ' ')" "late.sh solo.sh skip.sh "
out=$(TEST_JOBS=none sh "$TOP/tests/run.sh" "$dir/skip.sh" 2>&1)
t_check "TEST_JOBS that is not a number: exit 2" "$?" 2
t_match "... saying so" "$out" '^run\.sh: TEST_JOBS must be a positive number, not "none"$'
t_done
