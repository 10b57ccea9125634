#!/bin/sh
# smtpd-hostile.sh -- qmail-smtpd under tcpserver against clients that
# misbehave: a 1 MB command line, NUL bytes in commands and in a
# message, 10,000 pipelined recipients, clients that are slow or
# silent, bytes that are not TLS where a handshake should be, clients
# that vanish in the middle of DATA, and commands smuggled in behind
# STARTTLS (CVE-2011-0411).  Each case checks what the client sees,
# what the log says and what ends up in the queue or the maildir; at
# the end no session may have died of a signal.  The clients are
# smtpd-hostile.py (python3).
# run.sh: alone -- a client that sends one byte a second must beat a 3 s timeout
. "$TOP/tests/lib.sh"
. "$TOP/tests/smtpd-lib.sh"

HERE=$TOP/tests/integration
PY="python3 $HERE/smtpd-hostile.py"

if ! command -v python3 > /dev/null 2>&1; then
  t_skip "hostile clients" "python3 not installed"
  t_done
  exit
fi

D=$(t_tmpdir)/i
s_instance "$D" || { echo "Bail out! s_instance failed"; exit 1; }
# separate maildirs for the messages of each case
for box in Nul Flood Inject; do t_maildir "$D/alias/$box"; done
echo ./Nul/ > "$D/alias/.qmail-nul"
echo ./Flood/ > "$D/alias/.qmail-flood-default"
echo ./Inject/ > "$D/alias/.qmail-inject"
have_tls=yes
s_certs "$D" || have_tls=
s_listen plain "$D" || { echo "Bail out! the listener did not start"; exit 1; }
PLAIN=$S_PORT
SMTPS=
if [ -n "$have_tls" ]; then
  s_listen smtps "$D" -- -s || { echo "Bail out! the SMTPS listener did not start"; exit 1; }
  SMTPS=$S_PORT
fi
LOG=$D/plain.log
SLOG=$D/smtps.log
W=$(t_tmpdir)

# Files left in the queue (qmail-send is not running yet, so nothing
# that was queued can leave it).
queue_files() {
  find "$D/queue/mess" "$D/queue/todo" "$D/queue/intd" -type f 2>/dev/null
}

# Wait (bounded) until the log has N lines matching PATTERN.
wait_log_count() {
  w_i=0
  while [ "$(grep -Ec -- "$2" "$1")" -lt "$3" ] && [ $w_i -lt 100 ]; do
    sleep 0.1; w_i=$((w_i + 1))
  done
}

### Disconnect in the middle of DATA: nothing is queued, nothing stays
for how in partial lines reset; do
  out=$($PY middata "$PLAIN" "$how" 2>&1)
  t_match "middata $how: 354 before the client left" "$out" '^354 '
done
wait_log_count "$LOG" 'connection lost in DATA, nothing queued' 3
t_check "middata: three 'connection lost in DATA' log lines" \
  "$(grep -c 'end ip=127.0.0.1 .*connection lost in DATA, nothing queued' "$LOG")" 3
t_check "middata: queue/mess, queue/todo, queue/intd empty" "$(queue_files)" ""

### Slow and silent clients (control/timeoutsmtpd 3)
echo 3 > "$D/control/timeoutsmtpd"
t_give "$D" "$D/control/timeoutsmtpd"
# the limit is per read: a command dribbled in over ~5 s still works
out=$($PY slow "$PLAIN" 'NOOP\r\n' 1 2>&1)
t_match "slow: a command sent a byte a second over 5 s" "$out" '^250 ok$'
t_match "slow: it took longer than the timeout" "$out" '^sent over ([4-9]|[1-9][0-9])\.'
out=$($PY silent "$PLAIN" 2>&1)
t_match "silent: 451 timeout" "$out" '^got 451 timeout \(#4\.4\.2\) $'
t_match "silent: closed after about 3 s" "$out" '^closed after ([2-9]|1[0-9])\.'
out=$($PY silent "$PLAIN" data 2>&1)
t_match "silent in DATA: 451 timeout" "$out" '^got 451 timeout \(#4\.4\.2\) $'
wait_log_count "$LOG" 'timeout in DATA' 1
t_match "silent in DATA: logged" "$(cat "$LOG")" 'end ip=127\.0\.0\.1 .* timeout in DATA'
t_check "silent in DATA: nothing left in the queue" "$(queue_files)" ""
rm -f "$D/control/timeoutsmtpd"

### A 1 MB command line: 500, and the session goes on
out=$($PY longline "$PLAIN" 1048576 2>&1)
t_check "1 MB line: 500, then NOOP and QUIT answered" "$out" \
"500 5.5.2 line too long (#5.5.2)
250 ok
221 test.example"

### Bytes that are not TLS where the handshake should be
if [ -n "$have_tls" ]; then
  out=$($PY garbage "$PLAIN" starttls 2>&1)
  t_match "garbage after STARTTLS: 220 first" "$out" '^starttls: 220 '
  t_match "garbage after STARTTLS: the server closes" "$out" '^closed after [0-9]'
  wait_log_count "$LOG" 'end ip=.* TLS ' 1
  t_match "garbage after STARTTLS: the log names the TLS error" "$(cat "$LOG")" \
    'qmail-smtpd [0-9]+: end ip=127\.0\.0\.1 .*: TLS [a-z ]+ failed: '
  out=$($PY quit "$PLAIN" 2>&1)
  t_match "garbage after STARTTLS: the listener serves the next client" "$out" '^221 '
  out=$($PY garbage "$SMTPS" smtps 2>&1)
  t_match "garbage on SMTPS: the server closes" "$out" '^closed after [0-9]'
  wait_log_count "$SLOG" 'end ip=.* TLS ' 1
  t_match "garbage on SMTPS: the log names the TLS error" "$(cat "$SLOG")" \
    'qmail-smtpd [0-9]+: end ip=127\.0\.0\.1 .*: TLS [a-z ]+ failed: '
  out=$($PY smtps "$SMTPS" "$D/ca.pem" 2>&1)
  t_check "garbage on SMTPS: the listener serves the next client" "$out" \
"220 test.example ESMTP
250-test.example
221 test.example"
else
  t_skip "garbage instead of TLS" "openssl not installed (s_certs)"
fi

### From here on messages are delivered
t_start "$D" || { echo "Bail out! qmail-start failed"; exit 1; }

### NUL bytes in commands and in a message
out=$($PY nul "$PLAIN" "$W/nul.expected" 2>&1)
t_match "NUL in a verb: 502" "$out" '^verb: 502 '
t_match "NUL at the end of a verb: 502" "$out" '^verb-end: 502 '
t_match "NUL in a MAIL path: 555" "$out" '^mail: 555 '
t_match "NUL in a quoted MAIL path: 555" "$out" '^mail-quoted: 555 '
t_match "MAIL after them: 250" "$out" '^mail-ok: 250 '
t_match "NUL in a RCPT path: 555" "$out" '^rcpt: 555 '
t_match "NUL in a RCPT parameter: 555" "$out" '^rcpt-param: 555 '
t_match "RCPT after them: 250" "$out" '^rcpt-ok: 250 '
t_match "NUL bytes in DATA: accepted" "$out" '^end: 250 ok [0-9]+ qp [0-9]+'
if t_wait_mail "$D/alias/Nul" 1 30; then
  f=$(ls "$D/alias/Nul/new/"* | head -n 1)
  size=$(wc -c < "$W/nul.expected")
  tail -c "$size" "$f" > "$W/nul.got"
  t_ok "NUL bytes in DATA: the body arrives byte for byte" cmp "$W/nul.expected" "$W/nul.got"
  # a NUL in HELO's argument is taken (as qmail does) but never reaches
  # the header: the Received line shows it as ?
  t_match "NUL in HELO: shown as ? in the Received line" \
    "$(grep -a '^Received: from' "$f")" '\(HELO a\?b\.example\)'
  t_check "NUL in HELO: no NUL byte before the body" \
    "$(head -c $(($(wc -c < "$f") - size)) "$f" | tr -d '\000' | wc -c)" \
    "$(($(wc -c < "$f") - size))"
else
  t_report 1 "NUL bytes in DATA: the message arrives"
fi

### 10,000 recipients in one write
out=$($PY rcpts "$PLAIN" 10000 test.example 2>&1)
accepted=$(echo "$out" | sed -n 's/^accepted //p')
refused=$(echo "$out" | sed -n 's/^refused452 //p')
t_match "10,000 RCPT: MAIL 250" "$out" '^mail 250$'
t_check "10,000 RCPT: only 250 and 452" "$(echo "$out" | sed -n 's/^other //p')" 0
t_check "10,000 RCPT: all 250s before the 452s" "$(echo "$out" | sed -n 's/^order //p')" ok
t_match "10,000 RCPT: at least 100 accepted (RFC 5321 4.5.3.1.8)" "${accepted:-0}" '^([1-9][0-9]{2,})$'
t_check "10,000 RCPT: the rest get 452" "$((${accepted:-0} + ${refused:-0}))" 10000
t_match "10,000 RCPT: 452 says 4.5.3" "$out" '^452-text 452 4\.5\.3 '
t_match "10,000 RCPT: DATA 354" "$out" '^data 354$'
t_match "10,000 RCPT: the message is accepted" "$out" '^end 250 ok '
t_match "10,000 RCPT: logged with every accepted recipient" "$(cat "$LOG")" \
  "accept ip=127\\.0\\.0\\.1 from=<flood@test\\.example> rcpts=${accepted:-x} "
if [ "${accepted:-0}" -gt 0 ] && t_wait_mail "$D/alias/Flood" "$accepted" 300; then
  sleep 1
  t_check "10,000 RCPT: one delivery per accepted recipient" \
    "$(ls "$D/alias/Flood/new" | wc -l | tr -d ' ')" "$accepted"
  t_check "10,000 RCPT: each to a different recipient" \
    "$(cat "$D"/alias/Flood/new/* | grep -a '^Delivered-To: ' | sort -u | wc -l | tr -d ' ')" "$accepted"
else
  t_report 1 "10,000 RCPT: $accepted deliveries within 300 s (got $(ls "$D/alias/Flood/new" | wc -l))"
fi

### STARTTLS with commands behind it in the same write (CVE-2011-0411)
if [ -n "$have_tls" ]; then
  out=$($PY inject "$PLAIN" "$D/ca.pem" 2>&1)
  n=$(echo "$out" | sed -n 's/^discarded-sent //p')
  t_match "STARTTLS injection: 220" "$out" '^starttls: 220 '
  t_check "STARTTLS injection: after the handshake, EHLO's reply comes first" \
    "$(echo "$out" | sed -n 's/^reply: //p' | head -n 1 | cut -c1-4)" "250-"
  t_check "STARTTLS injection: then NOOP's, nothing from the injected commands" \
    "$(echo "$out" | sed -n 's/^reply: //p' | sed -n 2p)" "250 ok"
  t_match "STARTTLS injection: the injected MAIL did not open a transaction" \
    "$out" '^rcpt-before-mail: 503 MAIL first'
  t_check "STARTTLS injection: a real transaction works" \
    "$(echo "$out" | sed -n 's/^tx: //p' | cut -c1-3 | tr '\n' ' ')" "250 250 354 250 221 "
  wait_log_count "$LOG" 'discarded' 1
  t_match "STARTTLS injection: the log says how many bytes were discarded" \
    "$(cat "$LOG")" "warning ip=127\\.0\\.0\\.1 discarded ${n:-x} bytes sent after STARTTLS"
  if t_wait_mail "$D/alias/Inject" 1 30; then
    f=$(ls "$D/alias/Inject/new/"* | head -n 1)
    t_match "STARTTLS injection: the sender is the real one" \
      "$(grep -a '^Return-Path:' "$f")" '^Return-Path: <real@test\.example>$'
    t_match "STARTTLS injection: received with ESMTPS" \
      "$(grep -a -A1 '^Received: from' "$f")" 'with ESMTPS \(TLS'
  else
    t_report 1 "STARTTLS injection: the message arrives"
  fi
  t_check "STARTTLS injection: no message from the injected sender" \
    "$(grep -rl 'injected@evil' "$D/alias" 2>/dev/null)" ""
else
  t_skip "STARTTLS injection" "openssl not installed (s_certs)"
fi

### No session died of a signal
for l in plain smtps; do
  [ -f "$D/$l.log" ] || continue
  ends=$(grep -c '^tcpserver: end [0-9]* status [0-9]*$' "$D/$l.log")
  bad=$(sed -n 's/^tcpserver: end \([0-9]*\) status \([0-9]*\)$/\1 \2/p' "$D/$l.log" |
        awk '$2 % 256 != 0 { print "pid " $1 " status " $2 }')
  t_match "$l listener: sessions ended ($ends)" "$ends" '^[1-9][0-9]*$'
  t_check "$l listener: no session ended by a signal" "$bad" ""
done
t_check "no sanitizer or crash report in the logs" \
  "$(grep -El 'AddressSanitizer|runtime error|Segmentation' "$D"/*.log 2>/dev/null)" ""

t_done
