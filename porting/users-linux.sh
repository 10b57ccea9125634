#!/bin/sh
# users-linux.sh -- create the groups and users of the privilege split
# with groupadd/useradd (Debian, Ubuntu, Fedora, Arch, ...).  Names and
# the home come from ../config.mk; existing users and groups are left
# alone, so running it twice is harmless.  Run as root.
#
# Alpine and OpenWrt (busybox): use addgroup -S / adduser -S -D -H -G
# with the same names; see porting/README.md.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/users.inc.sh"

nologin=/usr/sbin/nologin
[ -x "$nologin" ] || nologin=/sbin/nologin
[ -x "$nologin" ] || nologin=/bin/false

for g in "$GROUP_QMAIL" "$GROUP_NOFILES" "$GROUP_MAIL"; do
  getent group "$g" >/dev/null 2>&1 || groupadd -r "$g"
done

add_user() { # name group home
  getent passwd "$1" >/dev/null 2>&1 && return 0
  useradd -r -g "$2" -d "$3" -s "$nologin" -M -c "qmail $1" "$1"
}
add_user "$USER_ALIAS" "$GROUP_NOFILES" "$QMAILHOME/alias"
add_user "$USER_DAEMON" "$GROUP_NOFILES" "$QMAILHOME"
add_user "$USER_LOG" "$GROUP_NOFILES" "$QMAILHOME"
add_user "$USER_PASSWD" "$GROUP_NOFILES" "$QMAILHOME"
add_user "$USER_QUEUE" "$GROUP_QMAIL" "$QMAILHOME"
add_user "$USER_REMOTE" "$GROUP_QMAIL" "$QMAILHOME"
add_user "$USER_SEND" "$GROUP_QMAIL" "$QMAILHOME"
echo "users and groups for $QMAILHOME are in place"
