#!/bin/sh
# The first run, as a new user does it from the README, as root on this
# machine: the users (porting/users-linux.sh), make install,
# qmail-config with a dotted name and a user (and its refusal of "vm"),
# make install-sendmail-links (FORCE=1 when another MTA is there), the
# queue started with the installed boot/maildir, then `echo hi | mail
# root` and a cron-style `sendmail -ti` to root arrive in the user's
# maildir, and `man qmail-send` and `man 5 qmail-control` find the
# installed pages.
#
# Everything happens in a private mount namespace with overlays over
# /etc, /var, /usr/sbin, /usr/bin and /usr/lib: every change (users,
# /var/qmail, the manpath entry, the sendmail links, dpkg diversions)
# lands in a temporary directory, and the machine's own files are never
# touched.  The script runs itself again inside the namespace
# (FR_INSIDE set); that run prints the TAP lines.  As an ordinary user
# it skips; tests/integration/qmail-config.sh checks qmail-config
# itself as any user.
. "$TOP/tests/lib.sh"

if [ -z "${FR_INSIDE:-}" ]; then
  why=
  if [ "$(id -u)" != 0 ]; then
    why="needs root: it creates users, installs into /var/qmail and replaces /usr/sbin/sendmail (in a private namespace)"
  elif ! command -v unshare > /dev/null 2>&1 || ! command -v setpriv > /dev/null 2>&1; then
    why="needs unshare and setpriv (util-linux)"
  elif ! command -v useradd > /dev/null 2>&1; then
    why="needs useradd (passwd), which porting/users-linux.sh uses"
  elif ! unshare -m --propagation private true > /dev/null 2>&1; then
    why="unshare -m (a private mount namespace) is not permitted here"
  else
    probe=$(t_tmpdir)
    mkdir "$probe/u" "$probe/w"
    unshare -m --propagation private sh -c "mount -t overlay overlay \
      -o lowerdir=/etc,upperdir=$probe/u,workdir=$probe/w /etc" > /dev/null 2>&1 ||
      why="overlay mounts are not available here"
  fi
  if [ -z "$why" ] && findmnt -n -o OPTIONS -T "$T_ROOT" 2>/dev/null | grep -Eq '(^|,)nosuid(,|$)'; then
    why="$T_ROOT is on a nosuid mount: setuid qmail-queue would not take effect"
  fi
  if [ -n "$why" ]; then
    t_skip "the first run on this machine" "$why"
    t_done
    exit
  fi
  unshare -m --propagation private env FR_INSIDE=1 sh "$0"
  exit
fi

# ---- inside the namespace ---------------------------------------------------

unset QMAILHOME MANPATH
Q=/var/qmail
T=$(t_tmpdir)
chmod 755 "$T_ROOT" "$T"
mkdir "$T/ov" "$T/home"
chmod 755 "$T/home"
fr_pid=
fr_kids=
mounted=

stop_daemons() {
  [ -n "$fr_pid" ] || return 0
  # shellcheck disable=SC2086
  t_stop_tree "$fr_pid" $fr_kids
  fr_pid=
}

cleanup() {
  stop_daemons
  for m in $mounted; do umount -l "$m" 2>/dev/null; done
  chmod -R u+rwx "$T_ROOT" 2>/dev/null
  rm -rf "$T_ROOT"
}
trap cleanup EXIT

# Overlays: every write below these directories goes to $T/ov.  Nothing
# else runs unless each one is in place and takes a write.
for d in /etc /var /usr/sbin /usr/bin /usr/lib; do
  key=$(echo "$d" | tr / _)
  mkdir "$T/ov/$key.u" "$T/ov/$key.w"
  if ! mount -t overlay overlay -o "lowerdir=$d,upperdir=$T/ov/$key.u,workdir=$T/ov/$key.w" "$d"; then
    t_check "overlay over $d" failed mounted
    t_done
    exit
  fi
  mounted="$d $mounted"
  probe=$d/.first-run-probe.$$
  if ! : > "$probe" || [ ! -e "$T/ov/$key.u/.first-run-probe.$$" ]; then
    t_check "writes to $d go to the overlay" no yes
    t_done
    exit
  fi
  rm -f "$probe"
done
t_ok "overlays over /etc, /var, /usr/sbin, /usr/bin and /usr/lib" true

# ---- 1. users ---------------------------------------------------------------
out=$(sh "$TOP/porting/users-linux.sh" 2>&1)
t_check "porting/users-linux.sh: exit 0" "$?" 0
t_match "  says the users are in place" "$out" 'users and groups for /var/qmail are in place'
t_check "  the alias user exists, home /var/qmail/alias" "$(getent passwd alias | cut -d: -f6)" $Q/alias
# the person who reads root's mail: an ordinary login user
useradd -m -d "$T/home/frjoe" -s /bin/sh frjoe > /dev/null 2>&1
t_check "an ordinary user frjoe exists" "$(getent passwd frjoe | cut -d: -f6)" "$T/home/frjoe"
chmod 755 "$T/home/frjoe"

as_user() { # name command...: the way a user runs it
  as_id=$(id -u "$1"):$(id -g "$1")
  as_home=$(getent passwd "$1" | cut -d: -f6)
  as_name=$1
  shift
  setpriv --reuid="${as_id%:*}" --regid="${as_id#*:}" --clear-groups \
    env - PATH=$Q/bin:/usr/bin:/bin HOME="$as_home" USER="$as_name" LOGNAME="$as_name" "$@"
}

# ---- 2. make install --------------------------------------------------------
if [ -f /etc/manpath.config ]; then
  (cd "$TOP" && t_make -s install MANPATH_ENTRY=no) > "$T/install0.log" 2>&1
  t_check "make install MANPATH_ENTRY=no: exit 0" "$?" 0
  t_match "  says it added no manpath entry" "$(grep '^man pages: ' "$T/install0.log")" \
    "^man pages: $Q/man \\(MANPATH_ENTRY=no: no manpath entry added"
  t_check "  and /etc/manpath.config has none" "$(grep -c "$Q/man" /etc/manpath.config)" 0
fi
(cd "$TOP" && t_make -s install) > "$T/install.log" 2>&1
t_check "make install: exit 0" "$?" 0
t_ok "  /var/qmail/bin/qmail-config is installed" test -x $Q/bin/qmail-config
t_check "  qmail-queue is setuid qmailq" "$(stat -c %U:%a $Q/bin/qmail-queue)" qmailq:4711
t_check "  the alias directory belongs to alias" "$(stat -c %U $Q/alias)" alias
manline=$(grep '^man pages: ' "$T/install.log")
if [ -f /etc/manpath.config ]; then
  t_match "  says where the man pages are and how man finds them" "$manline" \
    "^man pages: $Q/man \\(added MANDATORY_MANPATH $Q/man to /etc/manpath.config"
  t_check "  /etc/manpath.config has the entry once" \
    "$(grep -c "^MANDATORY_MANPATH[[:space:]]*$Q/man\$" /etc/manpath.config)" 1
  (cd "$TOP" && t_make -s install) > "$T/install2.log" 2>&1
  t_check "make install again: exit 0" "$?" 0
  t_match "  the entry is there already" "$(grep '^man pages: ' "$T/install2.log")" \
    "^man pages: $Q/man \\(already in /etc/manpath.config"
  t_check "  and is not added twice" \
    "$(grep -c "^MANDATORY_MANPATH[[:space:]]*$Q/man\$" /etc/manpath.config)" 1
else
  t_match "  says where the man pages are" "$manline" "^man pages: $Q/man "
fi

# ---- 3. qmail-config --------------------------------------------------------
err=$($Q/bin/qmail-config vm frjoe 2>&1)
t_check "qmail-config vm frjoe: refused, exit 100" "$?" 100
t_match "  with a clear message" "$err" '^qmail-config: fatal: vm: the host name has no dot; give the fully qualified name of this host'
t_fail "  and control/me is not written" test -e $Q/control/me
out=$($Q/bin/qmail-config host.example.org frjoe 2>&1)
t_check "qmail-config host.example.org frjoe: exit 0" "$?" 0
t_check "  control/me" "$(cat $Q/control/me)" host.example.org
t_check "  alias/.qmail-root forwards to frjoe" "$(cat $Q/alias/.qmail-root)" '&frjoe'
t_check "  the alias files belong to alias" \
  "$(stat -c %U $Q/alias/.qmail-root $Q/alias/.qmail-postmaster $Q/alias/.qmail-mailer-daemon | sort -u)" alias
t_check "  qmail-showctl has no warnings" "$($Q/bin/qmail-showctl 2>&1 | grep -c warning)" 0
t_ok "frjoe makes ~/Maildir" as_user frjoe maildirmake "$T/home/frjoe/Maildir"

# ---- 4. the sendmail links ----------------------------------------------------
(cd "$TOP" && t_make -s install-sendmail-links) > "$T/links.log" 2>&1
rc=$?
if [ $rc != 0 ]; then
  t_match "install-sendmail-links refuses the machine's other MTA" "$(cat "$T/links.log")" \
    "refusing to replace another mail system's files"
  (cd "$TOP" && t_make -s install-sendmail-links FORCE=1) > "$T/links.log" 2>&1
  t_check "install-sendmail-links FORCE=1: exit 0" "$?" 0
  t_ok "  the other MTA's sendmail is kept" test -e /usr/sbin/sendmail.pre-qmail
else
  t_check "install-sendmail-links (no other MTA here): exit 0" "$rc" 0
fi
t_check "/usr/sbin/sendmail links to ours" "$(readlink /usr/sbin/sendmail)" $Q/bin/sendmail

# ---- 5. start the queue -------------------------------------------------------
# The boot scripts log through splogger when the machine has a syslog
# (/dev/log); this run's lines stay out of the machine's log: a plain
# file over /dev/log, in this namespace only, sends them to standard
# output, into $LOG.
if [ -S /dev/log ]; then
  : > "$T/no-syslog"
  mount --bind "$T/no-syslog" /dev/log && mounted="/dev/log $mounted"
fi
LOG=$T/send.log
$Q/boot/maildir > "$LOG" 2>&1 &
fr_pid=$!
i=0
while [ $i -lt 50 ] && [ -z "$(t_children "$fr_pid")" ]; do sleep 0.1; i=$((i + 1)); done
fr_kids=$(t_children "$fr_pid")
t_ok "boot/maildir is running" t_alive "$fr_pid"

# ---- 6. mail to root arrives at frjoe ----------------------------------------
BOX=$T/home/frjoe/Maildir
mailer=
if command -v mail > /dev/null 2>&1; then mailer=mail
elif command -v s-nail > /dev/null 2>&1; then mailer=s-nail
fi
n=1
if [ -n "$mailer" ]; then
  # root's own mail program, as root types it; HOME is a scratch
  # directory so that a failure leaves no dead.letter in /root
  mkdir -m 700 "$T/roothome"
  echo hi | HOME=$T/roothome MAILRC=/dev/null $mailer -s 'from mail' root
  t_check "echo hi | $mailer -s 'from mail' root: exit 0" "$?" 0
  t_ok "  arrives in frjoe's maildir" t_wait_mail "$BOX" 1 15
  f=$(grep -l '^Subject: from mail' "$BOX"/new/* 2>/dev/null | head -n 1)
  t_ok "  with its subject" test -n "$f"
  [ -n "$f" ] || f=/dev/null
  t_match "  through alias/.qmail-root" "$(cat "$f")" '^Delivered-To: root@host\.example\.org$'
  t_match "  to frjoe" "$(cat "$f")" '^Delivered-To: frjoe@host\.example\.org$'
  t_match "  with the body" "$(sed '1,/^$/d' "$f")" '^hi$'
  n=2
else
  t_skip "echo hi | mail root" "neither mail nor s-nail is installed"
fi
printf 'To: root\nSubject: cron\n\nx\n' | /usr/sbin/sendmail -ti
t_check "cron-style printf ... | /usr/sbin/sendmail -ti: exit 0" "$?" 0
t_ok "  arrives in frjoe's maildir" t_wait_mail "$BOX" $n 15
t_ok "  with Subject: cron" sh -c "grep -l '^Subject: cron' '$BOX'/new/* | grep -q ."
f=$(grep -l '^Subject: cron' "$BOX"/new/* 2>/dev/null | head -n 1)
t_match "  to root, so through the alias" "$(cat "${f:-/dev/null}")" '^Delivered-To: root@host\.example\.org$'
t_check "nothing is left in the queue" "$($Q/bin/qmail-qstat 2>&1 | head -n 1)" "messages in queue: 0"
t_match "the log names the delivery to frjoe's maildir" "$(cat "$LOG")" \
  '^delivery [0-9]+: success: did_1\+0\+0/$'
t_match "  and the forward through the alias" "$(cat "$LOG")" \
  '^delivery [0-9]+: success: did_0\+1\+0/'

# ---- 7. the man pages ---------------------------------------------------------
if command -v man > /dev/null 2>&1; then
  t_check "man -w qmail-send finds the installed page" "$(man -w qmail-send 2>&1)" $Q/man/man8/qmail-send.8
  t_match "man qmail-send shows it" "$(MANPAGER=cat MANWIDTH=80 man qmail-send 2>/dev/null)" \
    'qmail-send - deliver mail from the queue'
  t_check "man -w 5 qmail-control" "$(man -w 5 qmail-control 2>&1)" $Q/man/man5/qmail-control.5
  t_match "man 5 qmail-control shows it" "$(MANPAGER=cat MANWIDTH=80 man 5 qmail-control 2>/dev/null)" \
    'qmail-control - the control files of the mail system'
else
  t_skip "man qmail-send, man 5 qmail-control" "man is not installed (Debian: man-db)"
fi

# ---- 8. stop, and put the other MTA back ------------------------------------
kids=$fr_kids
stop_daemons
left=
for k in $kids; do t_alive "$k" && left="$left $k"; done
t_check "qmail-send and its helpers are stopped" "$left" ""
if [ -e /usr/sbin/sendmail.pre-qmail ]; then
  (cd "$TOP" && t_make -s uninstall-sendmail-links) > "$T/unlinks.log" 2>&1
  t_check "uninstall-sendmail-links: exit 0" "$?" 0
  t_fail "  /usr/sbin/sendmail is the other MTA's again" test -L /usr/sbin/sendmail -a "$(readlink /usr/sbin/sendmail)" = $Q/bin/sendmail
  t_fail "  and no backup is left" test -e /usr/sbin/sendmail.pre-qmail
fi
t_done
