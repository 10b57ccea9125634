#!/bin/sh
# The test runner itself: a failing assertion, a crash, a test that
# runs nothing and a test that stops before its plan line (or reports a
# different number of tests than its plan) each make the run fail with
# an honest summary line.
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
t_done
