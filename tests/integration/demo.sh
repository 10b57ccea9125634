#!/bin/sh
# make demo: a self-contained instance comes up, the welcome message
# arrives, and make demo-stop stops it.
. "$TOP/tests/lib.sh"

d=$(t_tmpdir)/demo
# run by root, the demo runs as nobody, who must reach it
[ "$(id -u)" = 0 ] && chmod 755 "$T_ROOT" "${d%/demo}"
out=$(DEMO_DIR=$d sh "$TOP/etc/demo.sh" 2>&1)
t_check "demo.sh exits 0" "$?" 0
t_match "it shows the delivered welcome message" "$out" '^    Subject: Welcome$'
t_match "it says how to send more" "$out" 'sendmail someone@demo.localhost'
t_match "it says how to stop" "$out" 'make demo-stop'
pid=$(cat "$d/qmail-send.pid" 2>/dev/null)
t_ok "qmail-send is running" kill -0 "$pid"
printf 'Subject: second\n\nmore\n' | QMAILHOME=$d "$QBIN/sendmail" anyone@demo.localhost
t_ok "more mail arrives" t_wait_mail "$d/alias/Maildir" 2
out=$(DEMO_DIR=$d sh "$TOP/etc/demo-stop.sh" 2>&1)
t_match "demo-stop stops it" "$out" 'stopped'
t_fail "qmail-send is gone" kill -0 "$pid"

# The demo needs no root: as an ordinary user every daemon runs as that user.
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
  u=$(t_tmpdir)
  chmod 755 "$T_ROOT" "$u"
  chown nobody "$u"
  out=$(su -s /bin/sh nobody -c "DEMO_DIR=$u/demo sh $TOP/etc/demo.sh" 2>&1)
  t_match "an ordinary user runs the demo" "$out" '^demo: delivered to '
  owners=$(ps -o user= -p "$(cat "$u/demo/qmail-send.pid")" 2>/dev/null)
  t_check "qmail-send runs as that user" "$owners" nobody
  su -s /bin/sh nobody -c "DEMO_DIR=$u/demo sh $TOP/etc/demo-stop.sh" > /dev/null 2>&1
else
  t_skip "demo as an ordinary user" "needs root to switch users"
fi
t_done
