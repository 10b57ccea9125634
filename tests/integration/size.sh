#!/bin/sh
# make size (porting/size.sh): one line per program with its stripped
# size, and a total that adds them up.
. "$TOP/tests/lib.sh"

if ! command -v strip > /dev/null 2>&1; then
  t_skip "make size" "strip (binutils) is not installed"
  t_done
  exit
fi

out=$(sh "$TOP/porting/size.sh" "$QBIN" 2>&1)
t_check "size.sh on the build exits 0" "$?" 0
progs=$(cd "$QBIN" && ls | wc -l | tr -d ' ')
t_check "one line per program, then the total" "$(printf '%s\n' "$out" | wc -l | tr -d ' ')" $((progs + 1))
t_match "the last line counts the programs" "$(printf '%s\n' "$out" | tail -n 1)" \
  "^ *[0-9]+  total \\($progs programs\\)$"
t_check "the total is the sum of the lines" \
  "$(printf '%s\n' "$out" | sed '$d' | awk '{ s += $1 } END { print s }')" \
  "$(printf '%s\n' "$out" | tail -n 1 | awk '{ print $1 }')"

# A program is measured stripped, whatever the build did.
d=$(t_tmpdir)
cp "$QBIN/qmail-start" "$d/qmail-start"
strip "$d/qmail-start"
want=$(wc -c < "$d/qmail-start" | tr -d ' ')
t_match "qmail-start is listed with its stripped size" "$out" "^ *$want  qmail-start$"
printf '#!/bin/sh\nexit 0\n' > "$d/script"
chmod 755 "$d/script"
echo data > "$d/notes"
out2=$(sh "$TOP/porting/size.sh" "$d" 2>&1)
t_match "a file strip refuses is shown as it is, marked" "$out2" '^ *17  script \(not stripped\)$'
t_fail "a file that is not executable is left out" sh -c 'printf "%s\n" "$1" | grep -q notes' sh "$out2"
t_match "  and the total counts the two programs" "$out2" "^ *$((want + 17))  total \\(2 programs\\)$"

# An unstripped program: listed smaller than it is, and left as it is.
if command -v cc > /dev/null 2>&1; then
  u=$(t_tmpdir)
  printf 'int main(void) { return 0; }\n' > "$u/p.c"
  mkdir "$u/bin" && cc -g -o "$u/bin/p" "$u/p.c"
  full=$(wc -c < "$u/bin/p" | tr -d ' ')
  sum=$(cksum < "$u/bin/p")
  got=$(sh "$TOP/porting/size.sh" "$u/bin" | sed -n 's/^ *\([0-9]*\)  p$/\1/p')
  t_ok "an unstripped program is listed smaller ($got < $full bytes)" test "${got:-$full}" -lt "$full"
  t_check "  and the file itself is not stripped" "$(cksum < "$u/bin/p")" "$sum"
else
  t_skip "an unstripped program" "no cc to build one"
fi

e=$(t_tmpdir)
err=$(sh "$TOP/porting/size.sh" "$e" 2>&1)
t_check "an empty directory: exit 1" "$?" 1
t_match "  with a hint" "$err" 'no programs in .*; run make first'
t_done
