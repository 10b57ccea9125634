#!/bin/sh
# sendmail as its callers use it, into a running instance: each
# caller's exact command line, sendmail -bs spoken to by Python's
# smtplib over a pipe, -bp/mailq, -q, -bi/-I/newaliases, the
# install-sendmail-links target, and the real programs where they are
# installed (s-nail, git send-email, busybox sendmail, php-cli).
. "$TOP/tests/lib.sh"

D=$(t_tmpdir)
I=$D/inst
t_instance "$I" test.example
A=$I/alias
for box in vixie cronie debian busybox php git mailx logwatch fail2ban \
    mdadm smtp smtp2 real1 real2 real3 real4 real5 later; do
  echo "./$box/Maildir/" > "$A/.qmail-$box"
  [ "$box" = later ] || t_maildir "$A/$box/Maildir"
done
t_start "$I"

unset QMAILUSER MAILUSER LOGNAME QMAILHOST MAILHOST QMAILNAME MAILNAME NAME \
  QMAILSUSER QMAILSHOST QMAILINJECT QMAILQUEUE QMAILMFTFILE
USER=tester QMAILHOME=$I
export USER QMAILHOME
SM=$QBIN/sendmail

# newest BOX: the newest message delivered to alias/BOX, waited for.
newest() {
  t_wait_mail "$A/$1/Maildir" "${2:-1}" || return 1
  ls -t "$A/$1/Maildir/new/"* | head -n 1
}
# delivered NAME BOX SENDER: a test that one message reached BOX with
# the envelope sender SENDER (its Return-Path).
delivered() {
  t_f=$(newest "$2" "${4:-1}")
  t_check "$1" "$(sed -n 1p "$t_f" 2>/dev/null)" "Return-Path: <$3>"
}

# 1. every caller's command line, exactly as it runs sendmail
printf 'To: vixie\nSubject: Cron <root@host> run-parts\n\nout\n' |
  "$SM" -FCronDaemon -odi -oem -oi -t
delivered "Vixie cron: -FCronDaemon -odi -oem -oi -t" vixie tester@test.example
t_match "... From: with the name CronDaemon" "$(cat "$t_f")" '^From: CronDaemon <tester@test\.example>$'

printf 'To: cronie\nSubject: Cron <root@host> job\n\n.\nout\n' |
  "$SM" -FCronDaemon -i -odi -oem -oi -t -f root
delivered "cronie: -FCronDaemon -i -odi -oem -oi -t -f root" cronie root@test.example
t_match "... a lone dot is kept (-i)" "$(cat "$t_f")" '^out$'

printf 'Subject: Cron <root@host> job\nContent-Type: text/plain; charset=UTF-8\n\n\303\244\n' |
  "$SM" -FCronDaemon -i -B8BITMIME -oem debian
delivered "Debian cron: -FCronDaemon -i -B8BITMIME -oem RCPT" debian tester@test.example
t_check "... the 8-bit body intact" "$(tail -n 1 "$t_f" | od -An -tx1 | tr -d ' ')" "c3a40a"

printf 'To: busybox\nSubject: cron\n\nout\n' | "$SM" -ti
delivered "busybox crond: -ti" busybox tester@test.example

printf 'To: php\r\nSubject: php mail()\r\nFrom: site@test.example\r\n\r\nbody\r\n.\r\nmore\r\n' |
  "$SM" -t -i -f bounces@test.example
delivered "PHP mail(): -t -i -f SENDER (CR LF input)" php bounces@test.example
t_match "... CR LF became LF, the dot line kept" "$(tr '\r' '#' < "$t_f")" '^more$'

printf 'From: Dev <dev@test.example>\nTo: git\nSubject: [PATCH] x\n\ndiff\n' |
  "$SM" -i -f dev@test.example git
delivered "git send-email: -i -f SENDER RCPT" git dev@test.example

printf 'To: mailx\nSubject: mail\n\nhi\n' |
  "$SM" -i -v -F 'Mail User' -f user@test.example -- mailx
delivered "s-nail/mailx: -i -v -F NAME -f FROM -- RCPT" mailx user@test.example
t_match "... no From: added: the message has none, -F names it" "$(cat "$t_f")" '^From: Mail User <tester@test\.example>$'

printf 'To: logwatch\nSubject: Logwatch\n\nreport\n' | "$SM" -t
delivered "logwatch: -t" logwatch tester@test.example

printf 'Subject: [Fail2Ban] sshd: banned\n\nbanned\n' | "$SM" -f fail2ban@test.example fail2ban
delivered "fail2ban: -f SENDER RCPT" fail2ban fail2ban@test.example

printf 'From: mdadm monitoring <root>\nTo: mdadm\nSubject: Fail event\n\nA Fail event\n' | "$SM" -t
delivered "mdadm: headers on stdin with -t" mdadm tester@test.example
t_match "... its From: qualified" "$(cat "$t_f")" '^From: mdadm monitoring <root@test\.example>$'

printf 'Subject: none\n\nb\n' | "$SM" -t 2> "$D/err"
t_check "-t without To/Cc/Bcc: exit 100" "$?" 100
t_match "... with a clear message" "$(cat "$D/err")" '^sendmail: fatal: no recipients'
"$SM" -X < /dev/null 2> "$D/err"
t_check "an unknown option: exit 64" "$?" 64

# 2. sendmail -bs, spoken to by Python's smtplib over a socket pair
if command -v python3 > /dev/null 2>&1; then
  cat > "$D/bs.py" <<'EOF'
import smtplib, socket, subprocess, sys
def session():
    ours, theirs = socket.socketpair()
    child = subprocess.Popen(sys.argv[2:], stdin=theirs, stdout=theirs)
    theirs.close()
    class Pipe(smtplib.SMTP):
        def _get_socket(self, host, port, timeout):
            return ours
    client = Pipe()
    return client, child
client, child = session()
what = sys.argv[1]
if what == "submit":
    code, banner = client.connect("sendmail-bs", 25)
    print("connect", code)
    code, ext = client.ehlo("client.example")
    print("ehlo", code, b"PIPELINING" in ext, b"8BITMIME" in ext)
    refused = client.sendmail("app@test.example", ["smtp", "smtp2@test.example"],
        b"To: nobody-here@test.example\r\nSubject: via smtplib\r\n\r\n"
        b".leading dot\r\n..two dots\r\n\xc3\xa4 8-bit\r\nlast line\r\n")
    print("refused", refused)
    print("mail again", client.mail("")[0], client.rcpt("smtp")[0], client.data(b"Subject: bounce-ish\r\n\r\nnull sender\r\n")[0])
    print("rset", client.rset()[0])
    print("rcpt first", client.rcpt("smtp")[0])
    print("bad path", client.docmd("MAIL FROM:<unterminated")[0])
    client.mail("a@test.example"); print("null rcpt", client.rcpt("<>")[0])
    print("nested", client.mail("b@test.example")[0])
    print("noop", client.noop()[0])
    print("unknown", client.docmd("FROB")[0])
    print("too long", client.docmd("NOOP " + "x" * 70000)[0], client.noop()[0])
    print("quit", client.quit()[0])
elif what == "refuse":
    client.connect("sendmail-bs", 25)
    client.helo("client.example")
    client.mail("a@test.example"); client.rcpt("smtp")
    code, text = client.data(b"Subject: refused\r\n\r\nx\r\n")
    print(code, text.decode())
    client.mail("a@test.example"); client.rcpt("smtp")
    print("next", client.data(b"Subject: again\r\n\r\nx\r\n")[0])
    client.quit()
elif what == "cut":
    client.connect("sendmail-bs", 25)
    client.helo("client.example")
    client.mail("cut@test.example"); client.rcpt("smtp")
    client.putcmd("data"); client.getreply()
    ours = client.sock
    ours.sendall(b"Subject: cut\r\n\r\npart of the body\r\n")
    ours.shutdown(socket.SHUT_WR)
    ours.recv(100)
print("exit", child.wait())
EOF
  before=$(ls "$A/smtp/Maildir/new" | wc -l)
  python3 "$D/bs.py" submit "$SM" -bs > "$D/bs.out" 2>&1
  t_check "-bs: smtplib session" "$(cat "$D/bs.out")" "connect 220
ehlo 250 True True
refused {}
mail again 250 250 250
rset 250
rcpt first 503
bad path 501
null rcpt 553
nested 503
noop 250
unknown 502
too long 500 250
quit 221
exit 0"
  f=$(newest smtp2)
  t_check "-bs: delivered with the MAIL FROM sender" "$(sed -n 1p "$f")" "Return-Path: <app@test.example>"
  t_check "-bs: dots unstuffed, 8-bit kept" "$(tail -n 4 "$f")" ".leading dot
..two dots
ä 8-bit
last line"
  t_wait_mail "$A/smtp/Maildir" $((before + 2))
  sleep 0.3
  t_check "-bs: the envelope, not To:, chooses the recipients" "$(ls "$A/smtp/Maildir/new" | wc -l)" $((before + 2))
  t_match "-bs: the header completed as by the injector" "$(cat "$f")" '^Message-ID: <[0-9]{14}\.[0-9]+\.qmail@test\.example>$'
  t_ok "-bs: MAIL FROM:<> gives the null sender" grep -l '^Return-Path: <>$' "$A"/smtp/Maildir/new/*
  printf '#!/bin/sh\ncat > /dev/null; exit %s\n' 31 > "$D/qq31"
  printf '#!/bin/sh\ncat > /dev/null; exit %s\n' 53 > "$D/qq53"
  chmod 755 "$D/qq31" "$D/qq53"
  QMAILQUEUE=$D/qq31 python3 "$D/bs.py" refuse "$SM" -bs > "$D/bs.out" 2>&1
  t_check "-bs: a message the queue refuses for good: 554, the session goes on" "$(cat "$D/bs.out")" \
    "554 5.0.0 mail server permanently rejected message (#5.3.0)
next 554
exit 0"
  QMAILQUEUE=$D/qq53 python3 "$D/bs.py" refuse "$SM" -bs > "$D/bs.out" 2>&1
  t_check "-bs: a temporary failure: 451 with the reason" "$(head -n 1 "$D/bs.out")" \
    "451 4.3.0 qq write error or disk full (#4.3.0)"
  queued=$(find "$I/queue/mess" -type f | wc -l)
  python3 "$D/bs.py" cut "$SM" -bs > "$D/bs.out" 2>&1
  t_check "-bs: input ends inside DATA: exit 111" "$(tail -n 1 "$D/bs.out")" "exit 111"
  sleep 0.5
  t_check "... nothing of it is queued" "$(find "$I/queue/mess" -type f | wc -l)" "$queued"
  t_fail "... nor delivered" grep -l 'cut@test' "$A"/smtp/Maildir/new/*
else
  t_skip "sendmail -bs with smtplib" "python3 not installed"
fi

# 3. -bp and mailq
ln -s "$SM" "$D/mailq"
if [ -x "$I/bin/qmail-qread" ]; then
  "$SM" -bp > "$D/out" 2>&1
  t_check "-bp runs qmail-qread" "$?" 0
  "$D/mailq" > "$D/out2" 2>&1
  t_check "mailq runs it too" "$?" 0
else
  "$SM" -bp > "$D/out" 2>&1
  t_check "-bp without qmail-qread: exit 111" "$?" 111
  t_match "... saying it is not installed" "$(cat "$D/out")" '^sendmail: fatal: unable to list the queue: .*/bin/qmail-qread is not installed'
  "$D/mailq" > "$D/out2" 2>&1
  t_check "mailq is sendmail -bp" "$(sed 's/^mailq:/sendmail:/' "$D/out2")" "$(cat "$D/out")"
fi
N=$D/fakeq
mkdir -p "$N/bin"
printf '#!/bin/sh\necho "qread $# args"\n' > "$N/bin/qmail-qread"
chmod 755 "$N/bin/qmail-qread"
t_check "-bp and mailq exec HOME/bin/qmail-qread" \
  "$(QMAILHOME=$N "$SM" -bp; QMAILHOME=$N "$D/mailq" -v)" "qread 0 args
qread 0 args"

# 4. -q: qmail-send retries a deferred delivery now
printf 'Subject: later\n\nretry me\n' | "$SM" later
t_ok "a delivery to a missing maildir is deferred" t_wait_log "$I" 'delivery [0-9]+: deferral: ' 10
t_maildir "$A/later/Maildir"
"$SM" -q 2> "$D/err"
t_check "-q: exit 0" "$?" 0
t_ok "-q: the deferred message is delivered at once" t_wait_mail "$A/later/Maildir" 1 5
mkdir -p "$D/other/queue"
# A qmail-send whose working directory this user may not see (another
# user's instance, or an installed system's) could be the one for this
# home: then sendmail -q says it may not signal it instead.
hidden_senders() {
  for p in $(pgrep -x qmail-send 2>/dev/null); do
    [ -e "/proc/$p" ] && ! readlink "/proc/$p/cwd" > /dev/null 2>&1 && { echo yes; return; }
  done
  echo no
}
hidden=$(hidden_senders)
QMAILHOME=$D/other "$SM" -q 2> "$D/err"
t_check "-q with no qmail-send for the home: exit 111" "$?" 111
hidden=$hidden$(hidden_senders)
if [ "$hidden" = nono ]; then
  t_match "... saying so" "$(cat "$D/err")" '^sendmail: fatal: no qmail-send is running for '
else
  t_match "... saying so, or that it may not look at another user's qmail-send" "$(cat "$D/err")" \
    '^sendmail: fatal: (no qmail-send is running for |not permitted to signal qmail-send; run sendmail -q as root or as the user qmail-send runs as)'
fi

# 5. -bi, -I, newaliases
N=$D/nohome
mkdir -p "$N/bin"
ln -s "$SM" "$N/bin/sendmail"
QMAILHOME=$N "$SM" -bi 2> "$D/err"
t_check "-bi without the aliases tools: exit 0" "$?" 0
t_match "... saying there is nothing to rebuild" "$(cat "$D/err")" 'no aliases database to rebuild: .*/bin/newaliases is not installed'
ln -s "$SM" "$N/bin/newaliases"
QMAILHOME=$N "$SM" -bi 2> "$D/err"
t_check "-bi when bin/newaliases is this program: no loop, exit 0" "$?" 0
rm "$N/bin/newaliases"
printf '#!/bin/sh\necho "ran $# args" >> "%s/ran"\n' "$N" > "$N/bin/newaliases"
chmod 755 "$N/bin/newaliases"
QMAILHOME=$N "$SM" -bi
QMAILHOME=$N "$SM" -I
ln -s "$SM" "$D/newaliases"
QMAILHOME=$N "$D/newaliases"
t_check "-bi, -I and newaliases run bin/newaliases" "$(cat "$N/ran")" "ran 0 args
ran 0 args
ran 0 args"

# 6. make install-sendmail-links
stage=$D/stage
(cd "$TOP" && t_make -s install-sendmail-links DESTDIR="$stage" QMAILHOME=/opt/q) > "$D/log" 2>&1
t_check "make install-sendmail-links DESTDIR=...: exit 0" "$?" 0
t_check "... links the four names to bin/sendmail" \
  "$(for l in usr/sbin/sendmail usr/lib/sendmail usr/bin/mailq usr/bin/newaliases; do readlink "$stage/$l"; done | sort -u)" \
  "/opt/q/bin/sendmail"
(cd "$TOP" && t_make -s install-sendmail-links DESTDIR="$stage" QMAILHOME=/opt/q) > "$D/log" 2>&1
t_check "... and can run again" "$?" 0

# 7. the real callers, where installed
B=$D/bin
mkdir -p "$B"
ln -s "$SM" "$B/sendmail"
if command -v s-nail > /dev/null 2>&1; then
  echo 'from s-nail' | HOME=$D MAILRC=/dev/null s-nail -n -S sendwait -S mta="$B/sendmail" \
    -r 'Nail User <nail@test.example>' -s 's-nail test' real1 2> "$D/err"
  t_check "s-nail: exit 0" "$?" 0
  delivered "s-nail: delivered with -r as the sender" real1 nail@test.example
  t_match "... its Subject:" "$(cat "$t_f")" '^Subject: s-nail test$'
elif command -v bsd-mailx > /dev/null 2>&1; then
  echo 'from mailx' | PATH=$B:$PATH bsd-mailx -s 'mailx test' real1 -- -f nail@test.example 2> "$D/err"
  delivered "bsd-mailx: delivered" real1 nail@test.example
else
  t_skip "s-nail or bsd-mailx" "neither is installed"
fi

if command -v git > /dev/null 2>&1 && [ -e "$(git --exec-path)/git-send-email" ] \
    && perl -MMail::Address -e 1 2> /dev/null; then
  g=$D/repo
  git init -q "$g" && cd "$g" && git config user.name 'Git User' \
    && git config user.email git@test.example && echo a > a && git add a \
    && git commit -qm 'add a' && git format-patch -q -1 -o "$D/patches" > /dev/null
  cd "$D"
  HOME=$D git -C "$g" send-email --quiet --confirm=never --suppress-cc=all \
    --smtp-server="$B/sendmail" --envelope-sender=git@test.example \
    --from='Git User <git@test.example>' --to=real2@test.example \
    "$D/patches/"*.patch > "$D/log" 2>&1
  t_check "git send-email: exit 0" "$?" 0
  delivered "git send-email: delivered with its envelope sender" real2 git@test.example
  t_match "... the patch's Subject:" "$(cat "$t_f")" '^Subject: \[PATCH\] add a$'
else
  t_skip "git send-email" "git-email or libmailtools-perl not installed"
fi

if command -v busybox > /dev/null 2>&1 && busybox --list | grep -qx sendmail; then
  printf 'To: real3@test.example\nSubject: busybox -H\n\nvia busybox\n.dot line\n' |
    busybox sendmail -t -f bb@test.example -H "exec $SM -bs" > "$D/log" 2>&1
  t_check "busybox sendmail speaking SMTP to sendmail -bs: exit 0" "$?" 0
  delivered "... delivered with its sender" real3 bb@test.example
  t_check "... dot stuffing undone" "$(tail -n 1 "$t_f")" ".dot line"
else
  t_skip "busybox sendmail" "no busybox with the sendmail applet"
fi

if command -v php > /dev/null 2>&1; then
  php -n -d sendmail_path="$B/sendmail -t -i" -r \
    'exit(mail("real4@test.example", "php test", "from php\n.\nafter", "From: site@test.example", "-fphp@test.example") ? 0 : 1);' \
    > "$D/log" 2>&1
  t_check "php mail() with sendmail_path -t -i and -f: exit 0" "$?" 0
  delivered "... delivered with -f as the sender" real4 php@test.example
  t_check "... its To: and body" "$(grep -c '^To: real4@test.example$' "$t_f") $(tail -n 1 "$t_f")" "1 after"
else
  t_skip "php mail()" "php-cli not installed"
fi

t_done
