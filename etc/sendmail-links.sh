#!/bin/sh
# sendmail-links.sh install|undo -- run by `make install-sendmail-links`
# and `make uninstall-sendmail-links`.
#
# install: /usr/sbin/sendmail, /usr/lib/sendmail, /usr/bin/mailq and
# /usr/bin/newaliases become symbolic links to QMAILHOME/bin/sendmail
# (mailq and newaliases are sendmail -bp and -bi by their names).  A name
# that is missing is linked; one that is our link already is left alone,
# so running it again changes nothing.  A name that is anything else --
# another mail system's program or link -- is not touched and the whole
# run is refused (exit 1), naming each file and its package, unless
# FORCE=1: then each such file is kept as NAME.pre-qmail (on Debian,
# with dpkg-divert --rename, so that upgrades of the other package go
# to NAME.pre-qmail instead of over our link), and our link takes its
# place.  An existing NAME.pre-qmail is never overwritten.
#
# undo: each of our links is removed and NAME.pre-qmail (or the
# dpkg diversion) is put back; a name that is not our link is left
# alone.
#
# Environment: QMAILHOME (the home the links point into), DESTDIR (a
# staging root for packages: no dpkg-divert there), FORCE.
# Exit codes: 0 done; 1 refused or failed (the message says why).
action=${1:-}
home=${QMAILHOME:?QMAILHOME must be set}
root=${DESTDIR:-}
ours=$home/bin/sendmail
names="/usr/sbin/sendmail /usr/lib/sendmail /usr/bin/mailq /usr/bin/newaliases"
backup_suffix=.pre-qmail

is_ours() { [ -L "$1" ] && [ "$(readlink "$1")" = "$ours" ]; }
exists() { [ -e "$1" ] || [ -L "$1" ]; }

# The dpkg package that owns a path, if dpkg is the package manager here.
package_of() {
  [ -z "$root" ] && command -v dpkg > /dev/null 2>&1 || return 1
  dpkg -S "$1" 2>/dev/null | sed -n '1s/: .*//p' | grep .
}

describe() { # path: what it is, for the refusal
  what="a file"
  [ -L "$1" ] && what="a symbolic link to $(readlink "$1")"
  [ -d "$1" ] && [ ! -L "$1" ] && what="a directory"
  pkg=$(package_of "$1") && what="$what, of the package $pkg"
  echo "$what"
}

diverted() { # path: a dpkg diversion of it is in place
  [ -z "$root" ] && command -v dpkg-divert > /dev/null 2>&1 || return 1
  [ "$(dpkg-divert --truename "$1" 2>/dev/null)" != "$1" ]
}

case $action in
install)
  conflicts=0
  for n in $names; do
    p=$root$n
    if exists "$p" && ! is_ours "$p"; then
      conflicts=$((conflicts + 1))
      if [ "${FORCE:-}" != 1 ]; then
        echo "$p: is $(describe "$p"), not our link" >&2
      elif exists "$p$backup_suffix"; then
        echo "$p$backup_suffix exists already; move it away first, it may be the only copy of the original" >&2
        exit 1
      fi
    fi
  done
  if [ $conflicts -gt 0 ] && [ "${FORCE:-}" != 1 ]; then
    echo "install-sendmail-links: refusing to replace another mail system's files." >&2
    echo "  Remove that mail system, or run: make install-sendmail-links FORCE=1" >&2
    echo "  (each file is then kept as NAME$backup_suffix; make uninstall-sendmail-links puts it back)." >&2
    exit 1
  fi
  for n in $names; do
    p=$root$n
    mkdir -p "$(dirname "$p")" || exit 1
    if is_ours "$p"; then
      echo "$p: already links to $ours"
      continue
    fi
    if exists "$p"; then
      if pkg=$(package_of "$p") && command -v dpkg-divert > /dev/null 2>&1; then
        dpkg-divert --quiet --local --rename --divert "$p$backup_suffix" --add "$p" || exit 1
        kept="diverted with dpkg-divert (package $pkg) to $p$backup_suffix"
      else
        mv "$p" "$p$backup_suffix" || exit 1
        kept="kept as $p$backup_suffix"
      fi
      ln -s "$ours" "$p" || exit 1
      echo "$p: the original is $kept; now links to $ours"
    else
      ln -s "$ours" "$p" || exit 1
      echo "$p: links to $ours"
    fi
  done
  ;;
undo)
  status=0
  for n in $names; do
    p=$root$n
    if ! is_ours "$p"; then
      if exists "$p"; then echo "$p: not our link, left alone"
      else echo "$p: not there"; fi
      continue
    fi
    rm -f "$p" || { status=1; continue; }
    if diverted "$p"; then
      dpkg-divert --quiet --local --rename --remove "$p" || { status=1; continue; }
      echo "$p: our link removed, the diverted original is back"
    elif exists "$p$backup_suffix"; then
      mv "$p$backup_suffix" "$p" || { status=1; continue; }
      echo "$p: our link removed, $p$backup_suffix is back"
    else
      echo "$p: our link removed"
    fi
  done
  exit $status
  ;;
*)
  echo "usage: sendmail-links.sh install|undo" >&2
  exit 1
  ;;
esac
