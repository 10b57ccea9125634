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

  # A setuid copy ignores QMAILHOME: it goes for the configured home
  # and its qmail users, whether or not this machine has them or that
  # home, and never reports on or changes the instance.  It checks the
  # configured home, or stops at the lookup of the qmail users (which an
  # instance never makes: there every role is the instance's owner), or
  # at a part of the configured home it may not read.
  suid=$(t_tmpdir)
  cp "$QBIN/qmail-instcheck" "$suid/qmail-instcheck"
  chown "$user" "$suid/qmail-instcheck" && chmod 4755 "$suid/qmail-instcheck"
  chmod 755 "$suid"
  conf_home=$(sed -n 's/^#define CONF_HOME "\(.*\)"$/\1/p' "$TOP/build/include/qconf.h")
  rm "$uinst/queue/lock/trigger"
  before=$(cd "$uinst" && ls -lR)
  out=$(QMAILHOME=$uinst "$suid/qmail-instcheck" -n 2>&1)
  t_match "setuid program ignores QMAILHOME" "$out" \
    "^checking $conf_home\$|^qmail-instcheck: fatal: (unable to find user or group [a-z]+; create the qmail users first|.* $conf_home/)"
  t_fail "setuid program does not report on the instance" sh -c "printf '%s' \"\$1\" | grep -q '$uinst'" x "$out"
  out=$(QMAILHOME=$uinst "$suid/qmail-instcheck" -i 2>&1)
  t_check "nor repairs the instance's damage" "$(cd "$uinst" && ls -lR)" "$before"
else
  t_skip "non-root instance ownership and setuid override" "needs root to switch users"
fi
t_done
