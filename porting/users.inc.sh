# users.inc.sh -- read the names and the home from config.mk (sourced by
# users-linux.sh and users-freebsd.sh).  A variable already set in the
# environment wins, like a make command-line override.
conf=${CONFIG_MK:-$here/../config.mk}
[ -r "$conf" ] || { echo "cannot read $conf" >&2; exit 1; }
for var in QMAILHOME USER_ALIAS USER_DAEMON USER_LOG USER_PASSWD \
           USER_QUEUE USER_REMOTE USER_SEND GROUP_QMAIL GROUP_NOFILES GROUP_MAIL; do
  eval "set=\${$var:-}"
  [ -n "$set" ] && continue
  value=$(sed -n "s/^$var[ 	]*=[ 	]*//p" "$conf" | tail -n 1)
  [ -n "$value" ] || { echo "$var missing from $conf" >&2; exit 1; }
  eval "$var=\$value"
done
