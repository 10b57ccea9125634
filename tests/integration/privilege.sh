#!/bin/sh
# Nothing is delivered as root.  An instance directory owned by root,
# started by root, maps every role to uid 0: qmail-start warns,
# qmail-lspawn defers every local delivery with a report saying what to
# fix, no .qmail program runs, the message stays queued.  An instance
# owned by nobody, started by root, delivers as nobody (uid and only
# nobody's group), so qmail-lspawn really switched.  Needs root.
. "$TOP/tests/lib.sh"

if [ "$(id -u)" != 0 ]; then
  t_skip "root-owned instance: deliveries deferred" "needs root"
  t_skip "instance owned by nobody: delivery as nobody" "needs root"
  t_done
  exit
fi
if ! id nobody > /dev/null 2>&1; then
  t_skip "root-owned instance: deliveries deferred" "needs the user nobody"
  t_skip "instance owned by nobody: delivery as nobody" "needs the user nobody"
  t_done
  exit
fi

W=$(t_tmpdir)
chmod 755 "$T_ROOT" "$W"

# Build and start an instance by hand (not t_instance/t_start, which may
# hand the directory to an unprivileged user).
start_by_hand() {
  (cd "$1" && QMAILHOME=$1 exec "$QBIN/qmail-start" ./Maildir/ >> "$1/send.log" 2>&1) &
  echo $! > "$1/send.pid"
  T_STARTED="$T_STARTED $1"
  T_LOG_FROM=0
  t_wait_log "$1" '^status: local' 10
}

# 1. a root-owned instance
R=$W/rootinst
mkdir "$R" && chmod 755 "$R"
QMAILHOME=$R "$QBIN/qmail-instcheck" > /dev/null
ln -s "$QBIN" "$R/bin"
echo test.example > "$R/control/me"
echo "|id -u > $W/ran-as-root" > "$R/alias/.qmail-default"
t_check "the instance directory is root's" "$(stat -c %u "$R")" 0
t_ok "qmail-start starts it" start_by_hand "$R"
t_match "qmail-start warns that local deliveries will be deferred" "$(cat "$R/send.log")" \
  "^qmail-start: warning: the instance directory $R is owned by root, so every daemon runs as root and every local delivery will be deferred .*chown -R"
printf 'Subject: as root?\n\nbody\n' | t_queue "$R" sender@test.example someone@test.example
t_check "the message is queued" "$?" 0
t_ok "the delivery is deferred, saying what to fix" t_wait_log "$R" \
  "^delivery [0-9]+: deferral: Refusing_to_deliver_as_root_\\(uid_0\\):_the_instance_directory_${R}_is_owned_by_root,.*_give_the_directory_to_an_unprivileged_user_\\(chown_-R\\)_and_restart_the_instance\\._\\(#4\\.3\\.0\\)\$"
printf 'Subject: alias\n\nbody\n' | t_queue "$R" sender@test.example alias-x@test.example
t_ok "mail for the alias user by name is deferred as well" sh -c \
  'i=0; while [ $i -lt 100 ]; do [ "$(grep -c "deferral: Refusing_to_deliver_as_root" "$1/send.log")" -ge 2 ] && exit 0; sleep 0.1; i=$((i + 1)); done; exit 1' x "$R"
sleep 0.5
t_fail "the .qmail program never ran" test -e "$W/ran-as-root"
t_fail "nothing was delivered" grep -Eq '^delivery [0-9]+: success' "$R/send.log"
t_check "both messages are still queued" "$(find "$R/queue/mess" -type f | wc -l | tr -d ' ')" 2
t_stop "$R"

# 2. an instance owned by nobody, started by root
N=$W/nobodyinst
mkdir "$N" && chmod 755 "$N" && chown "nobody:$(id -g nobody)" "$N"
QMAILHOME=$N "$QBIN/qmail-instcheck" > /dev/null
ln -s "$QBIN" "$N/bin"
echo test.example > "$N/control/me"
printf '|id -u > out.uid; id -G > out.groups\n' > "$N/alias/.qmail-default"
chown -R "nobody:$(id -g nobody)" "$N/alias"
t_ok "qmail-start starts it" start_by_hand "$N"
t_fail "without a warning" grep -q 'warning' "$N/send.log"
t_check "qmail-send runs as nobody" "$(ps -o user= -p "$(cat "$N/send.pid")")" nobody
printf 'Subject: as nobody\n\nbody\n' | t_queue "$N" sender@test.example someone@test.example
t_ok "the delivery succeeds" t_wait_log "$N" '^delivery [0-9]+: success'
t_check "the program ran with nobody's uid" "$(cat "$N/alias/out.uid" 2>/dev/null)" "$(id -u nobody)"
t_check "and nobody's group alone (root's groups dropped)" \
  "$(cat "$N/alias/out.groups" 2>/dev/null)" "$(id -g nobody)"
t_stop "$N"
t_done
