#!/bin/sh
# Instances: QMAILHOME selects another home for programs that are not
# setuid or setgid; a non-root instance belongs entirely to its user.
. "$TOP/tests/lib.sh"

inst=$(t_tmpdir)/inst
mkdir "$inst"
out=$(QMAILHOME=$inst "$QBIN/qmail-instcheck" 2>&1)
t_check "instcheck creates an instance, exit 0" "$?" 0
t_match "it checked the instance, not the system home" "$out" "^checking $inst \\(instance\\)\$"
t_ok "instance has queue/todo/0" test -d "$inst/queue/todo/0"
t_ok "instance has control/" test -d "$inst/control"
t_fail "instance has no bin/ (runtime tree only)" test -e "$inst/bin"
out=$(QMAILHOME=$inst "$QBIN/qmail-instcheck" 2>&1)
t_match "second run finds nothing to do" "$out" '^problems: 0, repaired: 0$'

t_fail "a relative QMAILHOME is ignored" env QMAILHOME=relative "$QBIN/qmail-instcheck" -n -i relative

if [ "$(id -u)" = 0 ]; then
  # A non-root instance: every entry belongs to the invoking user.
  user=nobody
  uinst=$(t_tmpdir)/user-inst
  mkdir "$uinst" && chown "$user" "$uinst" && chmod 755 "$(dirname "$uinst")"
  chmod 755 "$T_ROOT"
  out=$(su -s /bin/sh "$user" -c "QMAILHOME=$uinst $QBIN/qmail-instcheck" 2>&1)
  t_check "non-root user builds an instance, exit 0" "$?" 0
  t_check "queue/mess/0 belongs to that user" "$(stat -c %U "$uinst/queue/mess/0")" "$user"
  t_check "trigger belongs to that user" "$(stat -c %U "$uinst/queue/lock/trigger")" "$user"

  # A setuid copy ignores QMAILHOME: it checks the configured home.
  suid=$(t_tmpdir)
  cp "$QBIN/qmail-instcheck" "$suid/qmail-instcheck"
  chown "$user" "$suid/qmail-instcheck" && chmod 4755 "$suid/qmail-instcheck"
  chmod 755 "$suid"
  out=$(QMAILHOME=$uinst "$suid/qmail-instcheck" -n 2>&1)
  t_match "setuid program ignores QMAILHOME" "$out" '^checking /var/qmail$'
  t_fail "setuid program does not report on the instance" sh -c "printf '%s' \"\$1\" | grep -q '$uinst'" x "$out"
else
  t_skip "non-root instance ownership and setuid override" "needs root to switch users"
fi
t_done
