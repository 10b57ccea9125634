#!/bin/sh
# The test runner itself: a failing assertion, a crash and a test that
# runs nothing each make the run fail with an honest summary line.
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
else
  t_skip "broken assertion" "no C compiler"
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

printf '#!/bin/sh\necho "ok 1 - a"\necho "ok 2 - b # SKIP no tool"\n' > "$dir/skip.sh"
chmod +x "$dir/skip.sh"
out=$(sh "$TOP/tests/run.sh" "$dir/skip.sh" 2>&1)
t_check "passes and skips alone succeed" "$?" 0
t_match "skips are counted apart" "$out" '^1 passed, 0 failed, 1 skipped$'
t_done
