#!/bin/sh
# remote-batch.sh -- recipients batched per domain through the whole queue
# (qmail-send, qmail-rspawn, qmail-remote) against a scripted SMTP peer
# on loopback, reached through control/smtproutes.  The peer logs every
# transaction as one line "txn SENDER RCPT,RCPT,... -> REPLIES" and
# every connection's opening and closing, so the test counts
# transactions, recipients and overlapping connections.
#
# What is asserted: 50 recipients in 3 domains go out in 3 transactions,
# each recipient exactly once and each transaction within one domain;
# a recipient refused with 550 is bounced alone while the others of
# its transaction are delivered; one refused with 451 is the only one
# tried again, and the retry carries only it; with VERP every recipient
# has its own transaction; with concurrencyremote 1 the 3 domains are
# delivered one after another, never two connections at once.
. "$TOP/tests/lib.sh"

PY=$(command -v python3 || true)
if [ -z "$PY" ]; then
  t_skip "batched remote delivery" "python3 is not installed"
  t_done; exit
fi
D=$(t_tmpdir)

cat > "$D/peer.py" <<'PYEOF'
# python3 peer.py DIR: a threaded SMTP server on 127.0.0.1 (port in
# DIR/port).  RCPT: local part starting "bad" -> 550; "later" -> 451
# the first time that address is seen, 250 after.  Each DATA takes
# 0.3 s, so that connections at once would overlap in the log.
import os, socketserver, sys, threading, time

out = sys.argv[1]
lock = threading.Lock()
seen = set()
log = open(os.path.join(out, 'peer.log'), 'a', buffering=1)
ndata = [0]

def note(s):
    with lock:
        log.write(s + '\n')

class Session(socketserver.StreamRequestHandler):
    def reply(self, s):
        self.wfile.write(s.encode() + b'\r\n')
        self.wfile.flush()

    def handle(self):
        note('open')
        try:
            self.session()
        finally:
            note('close')

    def session(self):
        self.reply('220 peer ESMTP')
        sender, rcpts, replies = None, [], []
        while True:
            line = self.rfile.readline()
            if not line:
                return
            line = line.decode('latin-1').rstrip('\r\n')
            verb = line[:4].upper()
            if verb in ('EHLO', 'HELO'):
                self.reply('250-peer\r\n250 PIPELINING' if verb == 'EHLO' else '250 peer')
            elif verb == 'MAIL':
                sender = line[10:].split('>')[0].lstrip('<')
                rcpts, replies = [], []
                self.reply('250 ok')
            elif verb == 'RCPT':
                addr = line[8:].split('>')[0].lstrip('<')
                rcpts.append(addr)
                with lock:
                    first = addr.lower() not in seen
                    seen.add(addr.lower())
                if addr.startswith('bad'):
                    replies.append('550'); self.reply('550 5.1.1 no such user')
                elif addr.startswith('later') and first:
                    replies.append('451'); self.reply('451 4.2.0 try later')
                else:
                    replies.append('250'); self.reply('250 ok')
            elif verb == 'DATA':
                self.reply('354 go')
                body = b''
                while True:
                    l = self.rfile.readline()
                    if not l or l.rstrip(b'\r\n') == b'.':
                        break
                    body += l
                time.sleep(0.3)
                with lock:
                    ndata[0] += 1
                    n = ndata[0]
                with open(os.path.join(out, 'data.%d' % n), 'wb') as f:
                    f.write(body)
                note('txn %s %s -> %s data.%d' % (sender or '-', ','.join(rcpts), ','.join(replies), n))
                self.reply('250 ok queued as %d' % n)
            elif verb == 'RSET':
                sender, rcpts, replies = None, [], []
                self.reply('250 ok')
            elif verb == 'QUIT':
                self.reply('221 bye'); return
            else:
                self.reply('502 unknown')

class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True

srv = Server(('127.0.0.1', 0), Session)
with open(os.path.join(out, 'port.tmp'), 'w') as f:
    f.write('%d\n' % srv.server_address[1])
os.rename(os.path.join(out, 'port.tmp'), os.path.join(out, 'port'))
srv.serve_forever()
PYEOF

"$PY" "$D/peer.py" "$D" 2> "$D/peer.err" &
T_PIDS="$T_PIDS $!"
i=0
while [ ! -s "$D/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
P=$(cat "$D/port" 2>/dev/null)
if [ -z "$P" ]; then
  t_fail "the scripted peer starts" true
  t_done; exit
fi

# instance NAME: a queue whose remote domains all go to the peer
instance() {
  I=$D/$1
  t_instance "$I" queue.test
  for dom in a.example b.example c.example sender.example; do
    echo "$dom:[127.0.0.1]:$P"
  done > "$I/control/smtproutes"
  echo 5 > "$I/control/timeoutconnect"
}
# txns SENDER: the peer's transactions from SENDER so far
txns() { grep "^txn $1 " "$D/peer.log"; }

# --- 50 recipients, 3 domains: 3 transactions --------------------------------
instance q1
t_start "$I"
rcpts=
for n in $(seq 1 17); do rcpts="$rcpts u$n@a.example"; done
for n in $(seq 18 34); do rcpts="$rcpts u$n@b.example"; done
for n in $(seq 35 49); do rcpts="$rcpts u$n@c.example"; done
# the domain is compared ignoring case
rcpts="$rcpts u50@C.Example"
printf 'Subject: fifty\n\nhello\n' | t_queue "$I" owner@sender.example $rcpts
t_wait_log "$I" '^delivery [0-9]+: (success|failure|deferral)' 30
i=0
while [ "$(tail -n +$((T_LOG_FROM + 1)) "$I/send.log" | grep -Ec '^delivery [0-9]+: (success|failure|deferral)')" -lt 50 ] && [ $i -lt 300 ]; do
  sleep 0.1; i=$((i + 1))
done
log=$(tail -n +$((T_LOG_FROM + 1)) "$I/send.log")
t_check "qmail-send logs a success per recipient" "$(printf '%s\n' "$log" | grep -Ec '^delivery [0-9]+: success: Delivered_to_')" 50
t_check "and a starting line per recipient" "$(printf '%s\n' "$log" | grep -Ec '^starting delivery [0-9]+: msg [0-9]+ to remote u[0-9]+@')" 50
t_check "3 transactions reach the peer" "$(txns owner@sender.example | wc -l)" 3
all=$(txns owner@sender.example | awk '{print $3}' | tr ',' '\n' | tr 'A-Z' 'a-z')
t_check "50 RCPTs in all" "$(printf '%s\n' "$all" | wc -l)" 50
t_check "each recipient exactly once" "$(printf '%s\n' "$all" | sort -u | wc -l)" 50
mixed=$(txns owner@sender.example | awk '{print $3}' | while read -r r; do
  printf '%s\n' "$r" | tr ',' '\n' | sed 's/.*@//' | tr 'A-Z' 'a-z' | sort -u | wc -l
done | sort -u)
t_check "each transaction within one domain" "$mixed" 1
t_check "one qmail-remote per domain: 3 connections" "$(grep -c '^open' "$D/peer.log")" 3

# --- 550 for one: only it bounces; 451 for one: only it is retried -------
before=$(grep -c '^txn' "$D/peer.log")
T_LOG_FROM=$(wc -l < "$I/send.log")
printf 'Subject: mixed\n\nhello\n' | t_queue "$I" owner@sender.example \
  good1@a.example bad1@a.example later1@a.example good2@a.example
t_ok "the 550 recipient fails" t_wait_log "$I" '^delivery [0-9]+: failure: .*550_5\.1\.1' 30
t_ok "the 451 recipient is deferred" t_wait_log "$I" '^delivery [0-9]+: deferral: .*451_4\.2\.0' 30
t_ok "a bounce reaches the sender" t_wait_grep "$D/peer.log" '^txn - owner@sender\.example ' 30
log=$(tail -n +$((T_LOG_FROM + 1)) "$I/send.log")
# outcome ADDRESS: what qmail-send logged for the delivery to ADDRESS
outcome() {
  o_n=$(printf '%s\n' "$log" | sed -n "s/^starting delivery \([0-9]*\): msg [0-9]* to remote $1\$/\1/p" | head -n 1)
  printf '%s\n' "$log" | sed -n "s/^delivery $o_n: \([a-z]*\): .*/\1/p"
}
t_check "good1 and good2 delivered, bad1 failed, later1 deferred" \
  "$(outcome good1@a.example) $(outcome good2@a.example) $(outcome bad1@a.example) $(outcome later1@a.example)" \
  "success success failure deferral"
t_check "one transaction carried all 4 recipients" \
  "$(grep '^txn owner@sender\.example ' "$D/peer.log" | grep -c 'good1@a.example,bad1@a.example,later1@a.example,good2@a.example -> 250,550,451,250')" 1
bf=$(grep '^txn - owner@sender\.example ' "$D/peer.log" | tail -n 1 | awk '{print $NF}')
bounce=$(cat "$D/$bf" 2>/dev/null)
t_match "the bounce names bad1" "$bounce" '<bad1@a\.example>'
t_check "and no one else" "$(printf '%s\n' "$bounce" | grep -Ec '<[a-z0-9]+@a\.example>')" 1
T_LOG_FROM=$(wc -l < "$I/send.log")
before=$(grep -c '^txn owner@sender\.example ' "$D/peer.log")
kill -ALRM "$(cat "$I/send.pid")"
t_ok "after ALRM the deferred recipient is delivered" t_wait_log "$I" '^delivery [0-9]+: success: ' 30
retry=$(grep '^txn owner@sender\.example ' "$D/peer.log" | tail -n +$((before + 1)))
t_check "the retry is one transaction with only later1" "$retry" \
  "$(printf '%s' "$retry" | grep -E '^txn owner@sender\.example later1@a\.example -> 250 data\.[0-9]+$')"
t_check "exactly one retry transaction" "$(printf '%s\n' "$retry" | grep -c .)" 1

# --- VERP: one recipient per transaction -------------------------------------
T_LOG_FROM=$(wc -l < "$I/send.log")
printf 'Subject: verp\n\nhello\n' | t_queue "$I" 'list-@sender.example-@[]' \
  v1@c.example v2@c.example v3@c.example
i=0
while [ "$(grep -c '^txn list-' "$D/peer.log")" -lt 3 ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
t_check "VERP: 3 transactions for 3 recipients" "$(grep -c '^txn list-' "$D/peer.log")" 3
t_check "each with its own sender and one recipient" \
  "$(grep '^txn list-' "$D/peer.log" | awk '{print $2, $3}' | sort | tr '\n' ' ')" \
  "list-v1=c.example@sender.example v1@c.example list-v2=c.example@sender.example v2@c.example list-v3=c.example@sender.example v3@c.example "
t_stop "$I"

# --- concurrencyremote 1: the domains one after another ----------------------
instance q2
echo 1 > "$I/control/concurrencyremote"
: > "$D/peer.log.mark"
mark=$(wc -l < "$D/peer.log")
t_start "$I"
printf 'Subject: serial\n\nhello\n' | t_queue "$I" serial@sender.example \
  s1@a.example s2@b.example s3@c.example s4@a.example s5@b.example s6@c.example
i=0
while [ "$(grep -c '^txn serial@' "$D/peer.log")" -lt 3 ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
sleep 0.5
t_check "concurrencyremote 1: 3 transactions" "$(grep -c '^txn serial@' "$D/peer.log")" 3
t_check "with 2 recipients each, one domain each" \
  "$(grep '^txn serial@' "$D/peer.log" | awk '{print $3}' | sort | tr '\n' ' ')" \
  "s1@a.example,s4@a.example s2@b.example,s5@b.example s3@c.example,s6@c.example "
events=$(tail -n +$((mark + 1)) "$D/peer.log" | grep -E '^(open|close)$' | tr '\n' ' ')
t_check "never two connections at once" "$events" "open close open close open close "
t_ok "qmail-send never runs two remote deliveries" sh -c "! grep -q 'remote 2/1' '$I/send.log'"
t_stop "$I"

# --- a short report from qmail-remote: each recipient still gets its own ----
# result; a recipient without a line in the report is deferred
instance q3
rm "$I/bin"
mkdir "$I/bin"
for f in "$QBIN"/*; do ln -s "$f" "$I/bin/"; done
rm "$I/bin/qmail-remote"
cat > "$I/bin/qmail-remote" <<'EOF2'
#!/bin/sh
# host sender r1 r2 r3: h for the first, s for the second, then nothing
if [ $# -eq 5 ]; then
  printf 'h550 refused here\0s451 later here\0'
else
  printf 'r250 ok\0Kdelivered\0'
fi
EOF2
chmod 755 "$I/bin/qmail-remote"
t_start "$I"
T_LOG_FROM=$(wc -l < "$I/send.log")
printf 'Subject: short\n\nhello\n' | t_queue "$I" owner@sender.example \
  x1@a.example x2@a.example x3@a.example
t_wait_log "$I" '^delivery [0-9]+: deferral: qmail-remote_gave_no_report' 30
sleep 0.5
log=$(tail -n +$((T_LOG_FROM + 1)) "$I/send.log")
t_check "short report: h fails the first, s defers the second, the third is deferred" \
  "$(outcome x1@a.example) $(outcome x2@a.example) $(outcome x3@a.example)" \
  "failure deferral deferral"
t_match "the second's deferral has its own text" "$log" '^delivery [0-9]+: deferral: 451_later_here$'
t_match "the third's says the report made no sense" "$log" '^delivery [0-9]+: deferral: qmail-remote_gave_no_report_that_makes_sense'

t_done
