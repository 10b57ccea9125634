#!/bin/sh
# serialmail.sh -- the dial-up spool of the seeds end to end: the recipe
# set up by etc/serialmail/spool-setup, remote mail injected with
# sendmail lands in ~alias/spool through virtualdomains ":alias-outgoing",
# and maildirsmtp flushes it to Postfix's smtp-sink and to our own
# qmail-smtpd; permanent (550) and temporary (451) refusals and the
# lifetime against a scripted peer, with and without PIPELINING; a
# connection dropped after the body; AUTH LOGIN; SIZE; hostile spool
# content; maildirqmtp against a scripted QMTP server; maildirserial
# with plain sh clients; two flushes at once under setlock (flock where
# setlock is not built).  TLS and AUTH
# against qmail-smtpd and Postfix are in serialmail-tls.sh, the link
# going down in serialmail-netns.sh.
. "$TOP/tests/lib.sh"
. "$TOP/tests/smtpd-lib.sh"

PY=$(command -v python3 || true)
if [ -z "$PY" ]; then
  t_skip "the dial-up spool" "python3 is not installed (free ports, the scripted peer)"
  t_done; exit
fi
D=$(t_tmpdir)

# --- the gateway: all remote mail into ~alias/spool --------------------------
I=$D/gw
t_instance "$I" gw.test
A=$I/alias
t_maildir "$A/alice"
echo ./alice/ > "$A/.qmail-alice"
# the recipe's own setup script (etc/serialmail/spool-setup)
t_match "spool-setup prepares the recipe" "$(sh "$TOP/etc/serialmail/spool-setup" "$I" 2>&1)" \
  "^spool-setup: remote mail now waits in $A/spool"
t_check "control/virtualdomains: the default entry" "$(cat "$I/control/virtualdomains")" ":alias-outgoing"
t_check "~alias/.qmail-outgoing-default names the spool" "$(cat "$A/.qmail-outgoing-default")" "./spool/"
t_check "the spool and the credentials file belong to alias's owner" \
  "$(stat -c %u:%g "$A/spool" "$A/spool/new" "$A/smtp-auth" | sort -u) $(stat -c %a "$A/smtp-auth")" "$(stat -c %u:%g "$A") 600"
sh "$TOP/etc/serialmail/spool-setup" "$I" > /dev/null 2>&1
t_check "run again: still one entry" "$(cat "$I/control/virtualdomains")" ":alias-outgoing"
t_start "$I"
SPOOL=$A/spool

# flush ARGS...: maildirsmtp as the spool's owner; rc and log in $rc, $log
flush() {
  t_as_owner "$I" env QMAILHOME="$I" "$QBIN/maildirsmtp" "$@" > "$D/flush.out" 2> "$D/flush.log"
  rc=$?
  log=$(cat "$D/flush.log")
}
spooled() { ls "$SPOOL/new" "$SPOOL/cur" 2>/dev/null | grep -vc '^$\|:$'; }
# drop_received WHO < MESSAGE: the message without the first Received
# field whose first line starts "Received: from WHO" (the one the
# smarthost added); the header lines before it are dropped too
drop_received() {
  awk -v who="Received: from $1" '
    state == 0 && index($0, who) == 1 { state = 1; next }
    state == 0 { next }
    state == 1 && /^[ \t]/ { next }
    { state = 2; print }'
}
# sink_form FILE: what smtp-sink should have saved of a spooled message
# (after its X- lines and Received field): the message with a line end
# added when its last line had none, and an empty line after it
sink_form() {
  cat "$1"
  [ -n "$(tail -c 1 "$1")" ] && echo
  echo
}

# three messages, one with two remote recipients, one with dots and 8-bit
printf 'Subject: first\n\nhello bob\n' | QMAILHOME=$I "$QBIN/sendmail" -f alice@gw.test bob@far.example
printf 'Subject: second\n\n.leading dot\n..two\n\351t\351\nno newline at the end' \
  | QMAILHOME=$I "$QBIN/sendmail" -f alice@gw.test carol@far.example 'dave@other.example'
t_ok "remote mail waits in the spool: three files" t_wait_mail "$SPOOL" 3
t_check "nothing else in the spool" "$(spooled)" 3
t_match "each spooled message carries the prefixed recipient" \
  "$(for f in "$SPOOL"/new/*; do sed -n 2p "$f"; done | sort | tr '\n' ' ')" \
  '^Delivered-To: alias-outgoing-bob@far\.example Delivered-To: alias-outgoing-carol@far\.example Delivered-To: alias-outgoing-dave@other\.example $'
mkdir -p "$D/orig"
for f in "$SPOOL"/new/*; do
  r=$(sed -n 's/^Delivered-To: alias-outgoing-//p' "$f" | head -n 1)
  sed 1,2d "$f" > "$D/orig/$r"
  sink_form "$D/orig/$r" > "$D/orig/$r.sink"
done

# --- flush 1: to smtp-sink ------------------------------------------------------
if [ -x /usr/sbin/smtp-sink ]; then
  SINK=$(t_free_port)
  mkdir -p "$D/sink"
  chmod 777 "$D/sink"
  # -u only as root: an ordinary user cannot initgroups()
  sink_user=
  [ "$(id -u)" = 0 ] && sink_user="-u nobody"
  ( cd "$D" && exec /usr/sbin/smtp-sink $sink_user -d "$D/sink/%M." 127.0.0.1:$SINK 10 ) \
    > "$D/sink.log" 2>&1 &
  T_PIDS="$T_PIDS $!"
  t_wait_port "$SINK"
  flush -p "$SINK" "$SPOOL" alias-outgoing- 127.0.0.1 gw.test
  t_check "maildirsmtp to smtp-sink: exit 0" "$rc" 0
  t_check "the spool is empty afterwards" "$(spooled)" 0
  t_check "smtp-sink got three messages, each once" "$(ls "$D/sink" | wc -l | tr -d ' ')" 3
  t_match "the flush's log line counts them" "$log" \
    '^maildirserial: .*/spool: flush: 3 delivered, 0 deferred, 0 bounced, 0 left unsent, 0 unusable; no TLS$'
  ok=0
  for f in "$D"/sink/*; do
    r=$(sed -n 's/^X-Rcpt-Args: <\(.*\)>$/\1/p' "$f")
    s=$(sed -n 's/^X-Mail-Args: <\(.*\)>$/\1/p' "$f")
    h=$(sed -n 's/^X-Helo-Args: //p' "$f")
    if [ "$s" = alice@gw.test ] && [ "$h" = gw.test ] && [ -f "$D/orig/$r" ] \
       && drop_received gw.test < "$f" | cmp -s - "$D/orig/$r.sink"; then
      ok=$((ok + 1))
    else
      echo "# $f: sender '$s' recipient '$r' helo '$h'"
    fi
  done
  t_check "each with sender alice@gw.test, the recipient without the prefix, bytes intact" "$ok" 3
  t_match "the 8-bit, dotted message went unchanged" "$(cat "$D/sink"/* | od -c | tr -s ' ')" '351 t 351'

  # 60 messages of 30 KB over one connection: no stall per message (with
  # Nagle's algorithm on, the end of each body waited for the sink's
  # delayed acknowledgement, 40 ms a message: 2.4 s in all)
  rm -f "$D"/sink/*
  i=0
  while [ $i -lt 60 ]; do
    { printf 'Return-Path: <alice@gw.test>\nDelivered-To: alias-outgoing-big%d@far.example\n' $i
      printf 'Subject: big %d\n\n' $i
      head -c 22000 /dev/zero | od -v -An -tx1 | head -c 30000; echo
    } > "$SPOOL/new/1796000000.big$i.gw"
    i=$((i + 1))
  done
  t_give "$I" "$SPOOL"
  start=$(date +%s.%N)
  flush -p "$SINK" "$SPOOL" alias-outgoing- 127.0.0.1 gw.test
  end=$(date +%s.%N)
  t_check "60 messages of 30 KB: exit 0, spool empty, 60 at the sink" \
    "$rc $(spooled) $(ls "$D/sink" | wc -l | tr -d ' ')" "0 0 60"
  t_ok "60 messages of 30 KB over one connection: under 1.2 s in all, no stall per message" \
    awk -v s="$start" -v e="$end" 'BEGIN { exit !(e - s < 1.2) }'
else
  for n in 1 2 3 4 5 6 7 8; do t_skip "flush to smtp-sink ($n)" "/usr/sbin/smtp-sink is not installed (postfix)"; done
fi

# the recipe's flush script (etc/serialmail/flush-spool), once setlock is built
if [ -x "$QBIN/setlock" ] && [ -x /usr/sbin/smtp-sink ]; then
  printf 'Subject: by flush-spool\n\nvia the script\n' | QMAILHOME=$I "$QBIN/sendmail" -f alice@gw.test fay@far.example
  t_ok "one waits for flush-spool" t_wait_mail "$SPOOL" 1
  out=$(QMAILHOME=$I SMARTHOST=127.0.0.1 PORT=$SINK TLS=may LOCK=$A/flush.lock \
    sh "$TOP/etc/serialmail/flush-spool" 2>&1)
  t_check "flush-spool: exit 0, spool empty" "$? $(spooled)" "0 0"
  t_match "its line" "$out" 'flush: 1 delivered, 0 deferred, 0 bounced'
  t_match "it ran as the spool's owner" "$(stat -c %u "$A/flush.lock")" "^$(stat -c %u "$A")\$"
else
  t_skip "etc/serialmail/flush-spool" "setlock is not built yet, or no smtp-sink"
fi

# --- flush 2: to our own qmail-smtpd ----------------------------------------------
R=$D/isp
s_instance "$R" far.example
t_start "$R"
s_listen smtpd "$R" RELAYCLIENT= || t_report 1 "qmail-smtpd listens"
printf 'Subject: to qmail\n\nvia our smtpd\n.\n' | QMAILHOME=$I "$QBIN/sendmail" -f alice@gw.test erin@far.example
t_ok "the next message waits in the spool" t_wait_mail "$SPOOL" 1
sed 1,2d "$SPOOL"/new/* > "$D/orig-erin"
# the seeds' own command line has a prefix that matches nothing
flush -p "$S_PORT" "$SPOOL" alias-extern 127.0.0.1 gw.test
t_match "a mistyped prefix sends nothing, and the line says why" "$rc $(spooled) $log" \
  '^0 1 maildirserial: .*flush: 0 delivered, 0 deferred, 0 bounced, 0 left unsent, 0 unusable \(1 not for alias-extern\); no result from the client$'
flush -p "$S_PORT" "$SPOOL" alias-outgoing- 127.0.0.1 gw.test
t_check "maildirsmtp to qmail-smtpd: exit 0, spool empty" "$rc $(spooled)" "0 0"
t_ok "the ISP delivers it" t_wait_mail "$R/alias/Maildir" 1
f=$(ls "$R"/alias/Maildir/new/* 2>/dev/null | head -n 1)
t_check "with the envelope sender" "$(sed -n 1p "${f:-/dev/null}")" "Return-Path: <alice@gw.test>"
t_match "for erin@far.example (prefix stripped)" "$(sed -n 2p "${f:-/dev/null}")" '^Delivered-To: (alias-)?erin@far\.example$'
drop_received "unknown (HELO gw.test)" < "${f:-/dev/null}" > "$D/got-erin"
t_ok "its bytes intact after the Received line naming HELO gw.test" cmp "$D/got-erin" "$D/orig-erin"

# --- a scripted peer: 550, 451, the lifetime ------------------------------------------
# the peer offers PIPELINING while the file $D/pipelining exists, and
# logs "pipelined" for a read that brought MAIL, RCPT and DATA at once
cat > "$D/peer.py" <<'PYEOF'
import os, socket, sys
port_file, log_file = sys.argv[1], sys.argv[2]
flag = os.path.join(os.path.dirname(log_file), "pipelining")
authflag = os.path.join(os.path.dirname(log_file), "authlogin")
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 0))
srv.listen(5)
open(port_file + ".tmp", "w").write("%d\n" % srv.getsockname()[1])
os.rename(port_file + ".tmp", port_file)
log = open(log_file, "a", buffering=1)
def lines(c):
    buf = b""
    while True:
        while b"\n" not in buf:
            d = c.recv(65536)
            if not d:
                return
            if b"MAIL" in d and b"RCPT" in d and b"DATA" in d:
                log.write("pipelined\n")
            buf += d
        line, buf = buf.split(b"\n", 1)
        yield line.rstrip(b"\r")
while True:
    c, _ = srv.accept()
    pipelining = os.path.exists(flag)
    authlogin = os.path.exists(authflag)
    c.sendall(b"220 peer ESMTP\r\n")
    it = lines(c)
    accepted = 0
    drop = False
    for line in it:
        log.write(line.decode("latin-1") + "\n")
        v = line[:4].upper()
        if v == b"EHLO":
            c.sendall(b"250-peer\r\n" + (b"250-PIPELINING\r\n" if pipelining else b"")
                      + (b"250-AUTH LOGIN\r\n" if authlogin else b"") + b"250 8BITMIME\r\n")
        elif v == b"AUTH":
            c.sendall(b"334 VXNlcm5hbWU6\r\n")
            user = next(it, b"")
            c.sendall(b"334 UGFzc3dvcmQ6\r\n")
            pw = next(it, b"")
            log.write("auth %s %s\n" % (user.decode(), pw.decode()))
            if user == b"am9l" and pw == b"c2VjcmV0":
                c.sendall(b"235 2.7.0 ok\r\n")
            else:
                c.sendall(b"535 5.7.8 bad credentials\r\n")
        elif v == b"MAIL" or v == b"RSET":
            accepted = 0
            c.sendall(b"250 ok\r\n")
        elif v == b"RCPT":
            if b"bad" in line:
                c.sendall(b"550 5.1.1 no such user here\r\n")
            elif b"later" in line:
                c.sendall(b"451 4.3.0 try again later\r\n")
            else:
                accepted += 1
                drop = b"drop" in line
                c.sendall(b"250 ok\r\n")
        elif v == b"DATA":
            if not accepted:
                c.sendall(b"554 5.5.1 no valid recipients\r\n")
                continue
            c.sendall(b"354 go\r\n")
            n = 0
            for l in it:
                if l == b".":
                    break
                n += len(l) + 2
            log.write("data %d\n" % n)
            if drop:
                log.write("dropped\n")
                break
            c.sendall(b"250 ok\r\n")
        elif v == b"QUIT":
            c.sendall(b"221 bye\r\n")
            break
        else:
            c.sendall(b"250 ok\r\n")
    c.close()
PYEOF
"$PY" "$D/peer.py" "$D/peer.port" "$D/peer.log" 2> "$D/peer.err" &
T_PIDS="$T_PIDS $!"
i=0
while [ ! -s "$D/peer.port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
PEER=$(cat "$D/peer.port" 2>/dev/null)

printf 'Subject: refused\n\nfor a bad user\n' | QMAILHOME=$I "$QBIN/sendmail" -f alice@gw.test bad@far.example
printf 'Subject: later\n\nfor later\n' | QMAILHOME=$I "$QBIN/sendmail" -f alice@gw.test later@far.example
t_ok "two more wait in the spool" t_wait_mail "$SPOOL" 2
flush -p "$PEER" "$SPOOL" alias-outgoing- 127.0.0.1 gw.test
t_check "550 and 451: exit 0 (every message has a result)" "$rc" 0
t_check "the 451 one stays, the 550 one is gone" \
  "$(sed -n 's/^Delivered-To: //p' "$SPOOL"/new/* "$SPOOL"/cur/* 2>/dev/null)" "alias-outgoing-later@far.example"
t_match "the log: bounced to alice, with the reason" "$log" 'bounced to alice@gw\.test: 127\.0\.0\.1 refused the recipient: 550 5\.1\.1 no such user here \(no TLS\)$'
t_match "the log: deferred with the 451" "$log" 'deferred: 127\.0\.0\.1 refused the recipient: 451 4\.3\.0 try again later \(no TLS\)$'
t_match "the summary: 0 delivered, 1 deferred, 1 bounced" "$log" 'flush: 0 delivered, 1 deferred, 1 bounced, 0 left unsent, 0 unusable; no TLS$'
t_ok "one bounce reaches alice" t_wait_mail "$A/alice" 1
b=$(cat "$A"/alice/new/* 2>/dev/null)
t_check "exactly one" "$(ls "$A/alice/new" | wc -l | tr -d ' ')" 1
t_match "the bounce comes from the null sender" "$(printf '%s\n' "$b" | sed -n 1p)" '^Return-Path: <>$'
t_match "it quotes the 550 and names the recipient" "$b" '^550 5\.1\.1 no such user here|no such user here'
t_match "it names bad@far.example" "$b" '^<bad@far\.example>:$'
t_match "and carries the original message" "$b" '^for a bad user$'

# the 451 message, older than the lifetime (two weeks by default): bounced
f=$(ls "$SPOOL"/new/* | head -n 1)
touch -d "@$(( $(date +%s) - 15 * 86400 ))" "$f"
flush -p "$PEER" "$SPOOL" alias-outgoing- 127.0.0.1 gw.test
t_check "451 past the lifetime: exit 0, spool empty" "$rc $(spooled)" "0 0"
t_match "the log says so" "$log" 'deferred and older than the lifetime: .*451'
t_ok "its bounce reaches alice too" t_wait_mail "$A/alice" 2
# the same with PIPELINING offered: MAIL, RCPT and DATA in one write
: > "$D/pipelining"
: > "$D/peer.log"
printf 'Subject: refused again\n\nfor a bad user\n' | QMAILHOME=$I "$QBIN/sendmail" -f alice@gw.test bad2@far.example
printf 'Subject: later again\n\nfor later\n' | QMAILHOME=$I "$QBIN/sendmail" -f alice@gw.test later2@far.example
printf 'Subject: fine\n\npipelined\n' | QMAILHOME=$I "$QBIN/sendmail" -f alice@gw.test fine2@far.example
t_ok "three more wait in the spool" t_wait_mail "$SPOOL" 3
flush -p "$PEER" "$SPOOL" alias-outgoing- 127.0.0.1 gw.test
t_check "pipelined: exit 0, the 451 one stays" "$rc $(cat "$SPOOL"/new/* | sed -n 's/^Delivered-To: //p')" \
  "0 alias-outgoing-later2@far.example"
t_match "pipelined: the summary" "$log" 'flush: 1 delivered, 1 deferred, 1 bounced, 0 left unsent, 0 unusable; no TLS$'
t_check "each transaction went in one write" "$(grep -c '^pipelined' "$D/peer.log")" 3
t_check "the refused ones were reset, the accepted one sent" "$(grep -c '^RSET' "$D/peer.log") $(grep -c '^data' "$D/peer.log")" "2 1"
t_ok "the 550 bounce reaches alice" t_wait_mail "$A/alice" 3
rm -f "$SPOOL"/new/* "$D/pipelining"
# the connection breaks after the body, before the reply: the message
# stays (it may have arrived; it goes again), however old
: > "$D/peer.log"
printf 'Subject: first\n\nfine\n' | QMAILHOME=$I "$QBIN/sendmail" -f alice@gw.test aaa@far.example
t_ok "one waits" t_wait_mail "$SPOOL" 1
sleep 1
printf 'Subject: dropped\n\nno reply\n' | QMAILHOME=$I "$QBIN/sendmail" -f alice@gw.test drop@far.example
t_ok "and another" t_wait_mail "$SPOOL" 2
for f in "$SPOOL"/new/*; do
  grep -q '^Delivered-To: alias-outgoing-drop@' "$f" && touch -d "@$(( $(date +%s) - 30 * 86400 ))" "$f"
done
flush -p "$PEER" "$SPOOL" alias-outgoing- 127.0.0.1 gw.test
t_check "no reply after the body: exit 111, the first delivered, the dropped one kept" \
  "$rc $(cat "$SPOOL"/new/* | sed -n 's/^Delivered-To: //p')" "111 alias-outgoing-drop@far.example"
t_match "the log says why, naming the file" "$log" \
  '^serialsmtp: fatal: 127\.0\.0\.1: the connection failed waiting for the reply to new/[^ ]* \(it may have been delivered, and then arrives twice\); it stays in the spool: .*\(no TLS\)\. \(#4\.4\.2\)$'
t_match "not bounced though past the lifetime: the summary" "$log" 'flush: 1 delivered, 0 deferred, 0 bounced, 1 left unsent, 0 unusable; no TLS$'
t_check "the peer saw the body and dropped" "$(grep -c '^dropped' "$D/peer.log")" 1
rm -f "$SPOOL"/new/*

# AUTH LOGIN (the peer offers no PLAIN), over plain text only with -P
: > "$D/authlogin"
: > "$D/peer.log"
printf 'joe:secret\n' > "$A/creds"
chmod 600 "$A/creds"
t_give "$I" "$A/creds"
printf 'Subject: login\n\nwith AUTH LOGIN\n' | QMAILHOME=$I "$QBIN/sendmail" -f alice@gw.test lou@far.example
t_ok "one more waits" t_wait_mail "$SPOOL" 1
flush -p "$PEER" -a "$A/creds" "$SPOOL" alias-outgoing- 127.0.0.1 gw.test
t_match "AUTH without TLS and without -P: refused, kept" "$rc $(spooled) $log" \
  '^111 1 serialsmtp: fatal: 127\.0\.0\.1: not sending the password over an unencrypted connection'
t_check "and the password never went out" "$(grep -c '^auth' "$D/peer.log")" 0
flush -p "$PEER" -P -a "$A/creds" "$SPOOL" alias-outgoing- 127.0.0.1 gw.test
t_check "with -P: AUTH LOGIN, delivered" "$rc $(spooled) $(grep '^auth' "$D/peer.log")" "0 0 auth am9l c2VjcmV0"
rm -f "$D/authlogin"

t_match "-l sets the lifetime" "$(QMAILHOME=$I "$QBIN/maildirsmtp" -l x 2>&1)" 'usage'

# --- hostile spool content -------------------------------------------------------------
mk() { printf "$2" > "$SPOOL/new/$1"; }
mk 1.norp.gw 'Delivered-To: alias-outgoing-x@far.example\n\nno return path\n'
mk 2.nodt.gw 'Return-Path: <alice@gw.test>\n\nno delivered-to\n'
mk 3.none.gw 'Subject: nothing\n\nat all\n'
mk 4.other.gw 'Return-Path: <alice@gw.test>\nDelivered-To: someone-else@far.example\n\nnot for this prefix\n'
mkdir "$SPOOL/new/5.dir.gw"
ln -s /etc/passwd "$SPOOL/new/6.link.gw"
mkfifo "$SPOOL/new/6.pipe.gw"
{ printf 'Return-Path: <alice@gw.test>\nDelivered-To: alias-outgoing-big@far.example\nSubject: big\n\n'
  "$PY" -c 'import sys
line = b"0123456789" * 7 + b"\n"
for i in range(10 * 1024 * 1024 // len(line) + 1):
    sys.stdout.buffer.write(line)'; } > "$SPOOL/new/7.big.gw"
mk 8.victim.gw 'Return-Path: <alice@gw.test>\nDelivered-To: alias-outgoing-victim@far.example\n\nremoved during the run\n'
mk 9.fine.gw 'Return-Path: <alice@gw.test>\nDelivered-To: alias-outgoing-fine@far.example\n\nfine\n'
t_give "$I" "$SPOOL"
bigwire=$(( $(sed 1,2d "$SPOOL/new/7.big.gw" | wc -c) + $(sed 1,2d "$SPOOL/new/7.big.gw" | wc -l) ))
# a home whose serialsmtp removes the victim before it starts
F=$D/fakehome
mkdir -p "$F/bin" "$F/control"
echo gw.test > "$F/control/me"
ln -s "$QBIN/maildirserial" "$F/bin/maildirserial"
ln -s "$I/bin/qmail-queue" "$F/bin/qmail-queue"
cat > "$F/bin/serialsmtp" <<EOF
#!/bin/sh
rm -f "$SPOOL/new/8.victim.gw"
exec "$QBIN/serialsmtp" "\$@"
EOF
chmod 755 "$F/bin/serialsmtp"
: > "$D/peer.log"
t_as_owner "$I" env QMAILHOME="$F" "$QBIN/maildirsmtp" -p "$PEER" "$SPOOL" alias-outgoing- 127.0.0.1 gw.test \
  > "$D/flush.out" 2> "$D/flush.log"
rc=$?
log=$(cat "$D/flush.log")
t_check "hostile spool: exit 0" "$rc" 0
t_match "no Return-Path: named, left" "$log" '1\.norp\.gw: not a spooled message, left in the spool: no Return-Path line at the top'
t_match "no Delivered-To: named, left" "$log" '2\.nodt\.gw: not a spooled message, left in the spool: no Delivered-To line at the top'
t_match "neither: named, left" "$log" '3\.none\.gw: not a spooled message, left in the spool: no Return-Path and Delivered-To lines'
t_match "a directory: named, left" "$log" '5\.dir\.gw: not a plain file, left alone'
t_match "a FIFO: named, left, nothing blocks" "$log" '6\.pipe\.gw: not a plain file, left alone'
t_match "a symbolic link: named, left" "$log" '6\.link\.gw: unable to open, left in the spool: .*(#4\.3\.0)'
t_match "the vanished file: named" "$log" '8\.victim\.gw: vanished during the run'
t_match "the 10 MB message: delivered" "$log" '7\.big\.gw: delivered'
t_check "the peer got the 10 MB message and the small one, byte for byte (LF as CRLF)" \
  "$(grep '^data ' "$D/peer.log" | sort | tr '\n' ' ')" "data $bigwire data 8 "
t_check "only fine and big were sent, to the right addresses" \
  "$(grep '^RCPT' "$D/peer.log" | sort | tr '\n' ' ')" "RCPT TO:<big@far.example> RCPT TO:<fine@far.example> "
t_match "the summary" "$log" 'flush: 2 delivered, 0 deferred, 0 bounced, 0 left unsent, 6 unusable \(1 not for alias-outgoing-\); no TLS$'
t_check "what was not sent is still there" "$(ls "$SPOOL/new" | tr '\n' ' ')" \
  "1.norp.gw 2.nodt.gw 3.none.gw 4.other.gw 5.dir.gw 6.link.gw 6.pipe.gw "
rm -rf "$SPOOL"/new/*

# a directory that is not a maildir: refused, nothing sent
mkdir -p "$D/notmaildir"
: > "$D/peer.log"
flush -p "$PEER" "$D/notmaildir" alias-outgoing- 127.0.0.1 gw.test
t_match "not a maildir: exit 111 and a clear line" "$rc $log" '^111 .*notmaildir is not a maildir .*nothing sent'
t_check "and no connection was made" "$(cat "$D/peer.log")" ""
flush -p "$PEER" "$SPOOL" alias-outgoing- 127.0.0.1 gw.test
t_match "an empty spool: nothing to send, no connection" "$rc $log" '^0 maildirsmtp: .*: flush: nothing to send$'

# no smarthost listening: everything kept
printf 'Subject: unreachable\n\nx\n' | QMAILHOME=$I "$QBIN/sendmail" -f alice@gw.test zed@far.example
t_ok "one more waits" t_wait_mail "$SPOOL" 1
DEAD=$(t_free_port)
flush -p "$DEAD" "$SPOOL" alias-outgoing- 127.0.0.1 gw.test
t_match "connection refused: exit 111, the spool is kept" "$rc $log" \
  "^111 maildirsmtp: fatal: .*: flush: unable to connect to 127\\.0\\.0\\.1 \\[127\\.0\\.0\\.1\\] port $DEAD: Connection refused; nothing sent, the spool is kept \\(#4\\.4\\.1\\)\$"
t_check "the message is still there" "$(spooled)" 1
touch -d "@$(( $(date +%s) - 30 * 86400 ))" "$SPOOL"/new/*
flush -p "$DEAD" "$SPOOL" alias-outgoing- 127.0.0.1 gw.test
t_check "and does not expire while the host is unreachable" "$rc $(spooled)" "111 1"

# --- SIZE: a server with a size limit refuses a big message before it is sent ---------
s_listen small "$R" RELAYCLIENT= DATABYTES=2000 || t_report 1 "a qmail-smtpd with DATABYTES listens"
nalice=$(ls "$A/alice/new" | wc -l)
rm -f "$SPOOL"/new/*
"$PY" -c 'print("Subject: too big\n\n" + "x" * 70 + ("\n" + "y" * 70) * 70)' \
  | QMAILHOME=$I "$QBIN/sendmail" -f alice@gw.test big@far.example
t_ok "a 5 KB message waits" t_wait_mail "$SPOOL" 1
flush -p "$S_PORT" "$SPOOL" alias-outgoing- 127.0.0.1 gw.test
t_check "DATABYTES 2000: exit 0, the message is gone" "$rc $(spooled)" "0 0"
t_match "refused at MAIL by its SIZE, before the body went over the link" "$log" \
  'refused the sender: 552 sorry, that message size exceeds my databytes limit \(#5\.3\.4\) \(no TLS\)$'
t_match "qmail-smtpd logged the SIZE refusal" "$(cat "$R/small.log")" '552.*SIZE|SIZE.*552'
t_ok "and alice gets the bounce" t_wait_mail "$A/alice" $((nalice + 1))
s_stop small "$R"

# --- QMTP: maildirqmtp to a scripted QMTP server ---------------------------------------
cat > "$D/qmtp.py" <<'PYEOF'
import os, socket, sys
port_file, out = sys.argv[1], sys.argv[2]
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 0))
srv.listen(5)
open(port_file + ".tmp", "w").write("%d\n" % srv.getsockname()[1])
os.rename(port_file + ".tmp", port_file)
log = open(os.path.join(out, "qmtp.log"), "a", buffering=1)
class Conn:
    def __init__(self, c):
        self.c, self.buf = c, b""
    def need(self, n):
        while len(self.buf) < n:
            d = self.c.recv(65536)
            if not d:
                raise EOFError
            self.buf += d
    def netstring(self):
        n = b""
        while True:
            self.need(1)
            ch, self.buf = self.buf[:1], self.buf[1:]
            if ch == b":":
                break
            n += ch
        n = int(n)
        self.need(n + 1)
        data, comma, self.buf = self.buf[:n], self.buf[n:n + 1], self.buf[n + 1:]
        assert comma == b","
        return data
def ns(b):
    return b"%d:%s," % (len(b), b)
k = 0
while True:
    c, _ = srv.accept()
    log.write("conn\n")
    conn = Conn(c)
    try:
        while True:
            msg = conn.netstring()
            sender = conn.netstring()
            rlist = conn.netstring()
            inner = Conn(None); inner.buf = rlist
            rcpts = []
            while inner.buf:
                rcpts.append(inner.netstring())
            k += 1
            open(os.path.join(out, "qmtp.msg.%d" % k), "wb").write(msg)
            log.write("package %d from <%s> to %s\n" % (k, sender.decode(), " ".join("<%s>" % r.decode() for r in rcpts)))
            for r in rcpts:
                if b"bad" in r:
                    c.sendall(ns(b"Dno such user here (#5.1.1)"))
                elif b"later" in r:
                    c.sendall(ns(b"Ztry again later (#4.3.0)"))
                else:
                    c.sendall(ns(b"Kok, queued %d" % k))
    except (EOFError, AssertionError, ValueError):
        pass
    c.close()
PYEOF
mkdir -p "$D/q"
"$PY" "$D/qmtp.py" "$D/qmtp.port" "$D/q" 2> "$D/qmtp.err" &
T_PIDS="$T_PIDS $!"
i=0
while [ ! -s "$D/qmtp.port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
QP=$(cat "$D/qmtp.port" 2>/dev/null)
rm -f "$SPOOL"/new/* "$SPOOL"/cur/*
printf 'Subject: qmtp one\n\n.dot\n\351 8bit\nno final newline' | QMAILHOME=$I "$QBIN/sendmail" -f alice@gw.test quinn@far.example
printf 'Subject: qmtp bad\n\nrefused\n' | QMAILHOME=$I "$QBIN/sendmail" -f alice@gw.test bad@far.example
printf 'Subject: qmtp later\n\nwait\n' | QMAILHOME=$I "$QBIN/sendmail" -f alice@gw.test later@far.example
t_ok "three for QMTP wait in the spool" t_wait_mail "$SPOOL" 3
for f in "$SPOOL"/new/*; do
  grep -q '^Delivered-To: alias-outgoing-quinn@' "$f" && sed 1,2d "$f" > "$D/orig-quinn"
done
nalice=$(ls "$A/alice/new" | wc -l)
t_as_owner "$I" env QMAILHOME="$I" "$QBIN/maildirqmtp" -p "$QP" "$SPOOL" alias-outgoing- 127.0.0.1 \
  > "$D/flush.out" 2> "$D/flush.log"
rc=$?
log=$(cat "$D/flush.log")
t_check "maildirqmtp: exit 0, only the Z one stays" "$rc $(cat "$SPOOL"/new/* | sed -n 's/^Delivered-To: //p')" \
  "0 alias-outgoing-later@far.example"
t_match "its flush line" "$log" 'flush: 1 delivered, 1 deferred, 1 bounced, 0 left unsent, 0 unusable; no TLS$'
t_check "the server got three packages on one connection, with the right envelopes" \
  "$(grep -c '^conn' "$D/q/qmtp.log") $(sed -n 's/^package [0-9]* //p' "$D/q/qmtp.log" | sort | tr '\n' ' ')" \
  "1 from <alice@gw.test> to <bad@far.example> from <alice@gw.test> to <later@far.example> from <alice@gw.test> to <quinn@far.example> "
m=$(grep -l '^Subject: qmtp one' "$D"/q/qmtp.msg.* | head -n 1)
t_ok "the message went byte for byte" cmp "${m:-/dev/null}" "$D/orig-quinn"
t_ok "the D one bounced to alice" t_wait_mail "$A/alice" $((nalice + 1))
t_match "maildirqmtp usage" "$("$QBIN/maildirqmtp" 2>&1)" '^maildirqmtp: fatal: usage: maildirqmtp'
rm -f "$SPOOL"/new/*

# --- maildirserial with other clients --------------------------------------------------
M=$D/plain-spool
mkdir -p "$M/new" "$M/cur" "$M/tmp"
printf 'Return-Path: <a@gw.test>\nDelivered-To: p-x@far.example\n\none\n' > "$M/new/1.one"
printf 'Return-Path: <a@gw.test>\nDelivered-To: p-y@far.example\n\ntwo\n' > "$M/cur/2.two:2,S"
printf 'Return-Path: <a@gw.test>\nDelivered-To: q-z@far.example\n\nother prefix\n' > "$M/new/3.three"
out=$("$QBIN/maildirserial" "$M" p- sh -c 'tr "\0" "\n" > ../names; kill -9 $$' 2>&1)
t_check "the client gets the names of the prefix's messages, oldest first" "$(cat "$D/names")" "new/1.one
cur/2.two:2,S"
t_match "a client killed by a signal is named, nothing is lost" "$? $out" 'the client sh was killed by signal 9'
t_check "all three still there" "$(ls "$M/new" "$M/cur" | grep -c '^[0-9]')" 3
out=$("$QBIN/maildirserial" "$M" p- sh -c 'cat > /dev/null; printf "new/1.one\0Kok\n"' 2>&1)
t_match "a client that answers for one file: that one removed, exit 111" "$? $out" \
  "^111 maildirserial: $M/new/1.one: delivered: ok"
t_check "the other stays" "$(ls "$M/new" "$M/cur" | grep '^[0-9]' | tr '\n' ' ')" "2.two:2,S 3.three "
out=$("$QBIN/maildirserial" "$M" p- sh -c 'cat > /dev/null; printf "cur/2.two:2,S\0Dno (#5.1.1)\n"' 2>&1)
t_match "D without -b: kept" "$? $out" "^0 maildirserial: $M/cur/2.two:2,S: refused for good, left in the spool \\(no -b\\): no \\(#5\\.1\\.1\\)"
t_match "maildirserial usage" "$("$QBIN/maildirserial" 2>&1)" '^maildirserial: fatal: usage: maildirserial \[-b\] \[-t lifetime\]'

# --- two flushes at once under a lock: setlock, or flock where it is not built ----------
if [ -x "$QBIN/setlock" ]; then
  LOCKER=$QBIN/setlock LOCKFAIL=111
else
  LOCKER=$(command -v flock || true) LOCKFAIL=1
fi
if [ -n "$LOCKER" ] && [ -x /usr/sbin/smtp-sink ]; then
  rm -f "$SPOOL"/new/*
  for n in 1 2 3 4; do
    printf 'Return-Path: <alice@gw.test>\nDelivered-To: alias-outgoing-lock%s@far.example\n\nlocked %s\n' $n $n \
      > "$SPOOL/new/$n.lock.gw"
  done
  t_give "$I" "$SPOOL"
  SLOW=$(t_free_port)
  mkdir -p "$D/slow"
  chmod 777 "$D/slow"
  ( cd "$D" && exec /usr/sbin/smtp-sink $sink_user -w 1 -d "$D/slow/%M." 127.0.0.1:$SLOW 10 ) \
    > "$D/slow.log" 2>&1 &
  T_PIDS="$T_PIDS $!"
  t_wait_port "$SLOW"
  L=$D/lock
  : > "$L"
  chmod 666 "$L"
  t_as_owner "$I" env QMAILHOME="$I" "$LOCKER" "$L" "$QBIN/maildirsmtp" -p "$SLOW" "$SPOOL" alias-outgoing- 127.0.0.1 gw.test \
    > /dev/null 2> "$D/lock1.log" &
  first=$!
  i=0
  while ! grep -q 'delivered' "$D/lock1.log" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
  t_as_owner "$I" env QMAILHOME="$I" "$LOCKER" -n "$L" "$QBIN/maildirsmtp" -p "$SLOW" "$SPOOL" alias-outgoing- 127.0.0.1 gw.test \
    > /dev/null 2> "$D/lock2.log"
  rc=$?
  t_check "a second flush with $(basename "$LOCKER") -n gives up at once ($LOCKFAIL)" "$rc" "$LOCKFAIL"
  t_check "without running maildirsmtp" "$(grep -c maildir "$D/lock2.log")" 0
  t_as_owner "$I" env QMAILHOME="$I" "$LOCKER" "$L" "$QBIN/maildirsmtp" -p "$SLOW" "$SPOOL" alias-outgoing- 127.0.0.1 gw.test \
    > /dev/null 2> "$D/lock3.log"
  t_match "a third one waits for the lock, then finds nothing to send" "$? $(cat "$D/lock3.log")" '^0 maildirsmtp: .*flush: nothing to send$'
  wait "$first"
  t_check "the first flush delivered all four" "$(grep -c 'delivered:' "$D/lock1.log")" 4
  t_check "and each arrived once" "$(grep -h '^X-Rcpt-Args' "$D"/slow/* | sort | uniq -c | awk '{print $1}' | tr -d '\n')" 1111
else
  t_skip "two flushes under a lock" "neither setlock nor flock (util-linux), or no smtp-sink"
fi

t_done
