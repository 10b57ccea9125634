#!/bin/sh
# install-manpath.sh HOME [DESTDIR] -- run by `make install`: make `man`
# find the pages installed in HOME/man, and say in one line where they
# are and how man finds them.
#
#   man-db (Debian, Ubuntu: /etc/manpath.config; Fedora, Arch:
#   /etc/man_db.conf): a line "MANDATORY_MANPATH HOME/man" is added
#   once; running again finds it and adds nothing.
#   FreeBSD's man: /usr/local/etc/man.d/qmail.conf with "MANPATH HOME/man".
#   Anything else: the line says to add HOME/man to MANPATH.
#
# Nothing is changed for a DESTDIR install (a package adds its own
# entry), with MANPATH_ENTRY=no in the environment (tests that install
# into a private namespace without a private /etc), or when the
# configuration cannot be written (not root); the line then says what
# to do.  Undo: remove the line (or qmail.conf).
home=${1:?usage: install-manpath.sh HOME [DESTDIR]}
destdir=${2:-}
dir=$home/man

if [ -n "$destdir" ]; then
  echo "man pages: $destdir$dir (DESTDIR install: no manpath entry added; add $dir to the system's manpath when installing the package)"
  exit 0
fi

if [ "${MANPATH_ENTRY:-}" = no ]; then
  echo "man pages: $dir (MANPATH_ENTRY=no: no manpath entry added; set MANPATH=$dir: to read them)"
  exit 0
fi

# Append a line to a file through a copy renamed into place, so that a
# failure leaves the file as it was.
append_line() { # file line
  tmp=$1.qmail-tmp.$$
  cp -p "$1" "$tmp" 2>/dev/null &&
    printf '%s\n' "$2" >> "$tmp" &&
    mv -f "$tmp" "$1" && return 0
  rm -f "$tmp"
  return 1
}

for conf in /etc/manpath.config /etc/man_db.conf; do
  [ -f "$conf" ] || continue
  if grep -Eq "^[[:space:]]*MANDATORY_MANPATH[[:space:]]+$dir/?[[:space:]]*\$" "$conf"; then
    echo "man pages: $dir (already in $conf: man qmail-send finds them)"
    exit 0
  fi
  if append_line "$conf" "MANDATORY_MANPATH			$dir"; then
    echo "man pages: $dir (added MANDATORY_MANPATH $dir to $conf: man qmail-send finds them; remove that line to undo)"
  else
    echo "man pages: $dir (could not add it to $conf: add the line \"MANDATORY_MANPATH $dir\" as root, or set MANPATH=$dir:)"
  fi
  exit 0
done

if [ -d /usr/local/etc/man.d ]; then
  conf=/usr/local/etc/man.d/qmail.conf
  if [ -f "$conf" ] && grep -Eq "^MANPATH[[:space:]]+$dir/?\$" "$conf"; then
    echo "man pages: $dir (already in $conf)"
  elif printf 'MANPATH %s\n' "$dir" > "$conf.tmp.$$" 2>/dev/null && mv -f "$conf.tmp.$$" "$conf"; then
    echo "man pages: $dir (wrote $conf: man qmail-send finds them; remove it to undo)"
  else
    rm -f "$conf.tmp.$$"
    echo "man pages: $dir (could not write $conf: put \"MANPATH $dir\" there as root)"
  fi
  exit 0
fi

echo "man pages: $dir (no man configuration found: set MANPATH=$dir: to read them)"
