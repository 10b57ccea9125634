#!/bin/sh
# users-freebsd.sh -- create the groups and users of the privilege split
# with pw(8) (FreeBSD, DragonFly).  Names and the home come from
# ../config.mk; existing users and groups are left alone.  Run as root.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/users.inc.sh"

for g in "$GROUP_QMAIL" "$GROUP_NOFILES" "$GROUP_MAIL"; do
  pw groupshow "$g" >/dev/null 2>&1 || pw groupadd "$g"
done

add_user() { # name group home
  pw usershow "$1" >/dev/null 2>&1 && return 0
  pw useradd "$1" -g "$2" -d "$3" -s /usr/sbin/nologin -c "qmail $1"
}
add_user "$USER_ALIAS" "$GROUP_NOFILES" "$QMAILHOME/alias"
add_user "$USER_DAEMON" "$GROUP_NOFILES" "$QMAILHOME"
add_user "$USER_LOG" "$GROUP_NOFILES" "$QMAILHOME"
add_user "$USER_PASSWD" "$GROUP_NOFILES" "$QMAILHOME"
add_user "$USER_QUEUE" "$GROUP_QMAIL" "$QMAILHOME"
add_user "$USER_REMOTE" "$GROUP_QMAIL" "$QMAILHOME"
add_user "$USER_SEND" "$GROUP_QMAIL" "$QMAILHOME"
echo "users and groups for $QMAILHOME are in place"
