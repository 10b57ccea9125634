#!/bin/sh
# Fair scheduling: with concurrencylocal=1 and a slow program delivery,
# messages injected continuously are delivered in the order they
# arrived, and a message deferred earlier is retried at its due time in
# the middle of the flood, not after it.
# run.sh: alone -- a retry must go out within 3 s of its due time
. "$TOP/tests/lib.sh"

N=${FAIRNESS_MESSAGES:-40}
I=$(t_tmpdir)/inst
t_instance "$I" test.example
A=$I/alias
echo 1 > "$I/control/concurrencylocal"
# the program notes when each message (by Subject) was delivered, then
# takes a while, so a backlog builds while mail keeps arriving
cat > "$A/record" <<'EOF'
#!/bin/sh
s=$(sed -n 's/^Subject: //p' | head -n 1)
echo "$(date +%s.%N) $s" >> order
sleep 0.25
EOF
chmod 755 "$A/record"
echo '|./record' > "$A/.qmail-slow"
# "later" defers its first attempt, then accepts
cat > "$A/once" <<'EOF'
#!/bin/sh
[ -f deferred-once ] || { : > deferred-once; echo "not yet"; exit 111; }
exec ./record
EOF
chmod 755 "$A/once"
echo '|./once' > "$A/.qmail-later"
t_start "$I"

# 1. a message deferred once; its retry is moved to 8 s after the
# restart, so it falls due in the middle of the flood below
printf 'Subject: retried\n\nold mail\n' | t_queue "$I" s@test.example later@test.example
t_ok "the first attempt is deferred" t_wait_log "$I" 'deferral: not_yet' 10
id=$(sed -n 's/^new msg \([0-9]*\)$/\1/p' "$I/send.log" | tail -n 1)
t_stop "$I"
local_file=$(ls "$I"/queue/local/*/"$id" 2>/dev/null)
t_ok "the deferred message is still queued" test -f "$local_file"
due=$(($(date +%s) + 8))
touch -d "@$due" "$local_file"
t_start "$I"

# 2. the flood: N messages over about N/10 seconds, delivered at about
# 4 a second, so most of them wait
i=1
while [ $i -le "$N" ]; do
  printf 'Subject: m%03d\n\nnew mail\n' "$i" | t_queue "$I" s@test.example slow@test.example
  i=$((i + 1))
  sleep 0.1
done
waited=0
while [ "$(wc -l < "$A/order" 2>/dev/null || echo 0)" -lt $((N + 1)) ] && [ $waited -lt 600 ]; do
  sleep 0.1; waited=$((waited + 1))
done
t_check "all $N messages and the retried one are delivered" "$(wc -l < "$A/order")" $((N + 1))

# arrival order among the new messages
got=$(grep ' m[0-9]*$' "$A/order" | sed 's/.* //' | tr '\n' ' ')
want=$(i=1; while [ $i -le "$N" ]; do printf 'm%03d ' "$i"; i=$((i + 1)); done)
t_check "new messages are delivered in arrival order" "$got" "$want"

# the retry goes at its due time, ahead of the backlog
retried_at=$(sed -n 's/^\([0-9]*\)\.[0-9]* retried$/\1/p' "$A/order")
t_ok "the retried message is delivered" test -n "$retried_at"
line=$(grep -n ' retried$' "$A/order" | cut -d: -f1)
echo "# retry due at $due, delivered at ${retried_at:-never}, as delivery $line of $((N + 1))"
t_ok "it is delivered no more than 3 s after its due time" \
  test "${retried_at:-0}" -ge "$due" -a "${retried_at:-0}" -le $((due + 3))
t_ok "the flood was still being delivered then (messages came after it)" \
  test "${line:-0}" -ge 2 -a "${line:-0}" -lt "$N"
t_done
