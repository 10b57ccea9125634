#!/bin/sh
# make install-sendmail-links and uninstall-sendmail-links: another
# mail system's files are refused without FORCE=1, kept as
# NAME.pre-qmail with it, running again is a no-op, and the uninstall
# target puts the originals back.
#
# Part 1 (any user) works in a DESTDIR stage with a fake other MTA.
# Part 2 (root) works on the real paths inside a private mount
# namespace, where overlays over /usr/sbin, /usr/bin, /usr/lib and
# /var/lib/dpkg take every change, so the machine's own files and dpkg
# database are never touched; there a sendmail owned by a package (the
# machine's MTA) is diverted with dpkg-divert.  The script runs itself
# again inside the namespace (SL_INSIDE set) for part 2.
. "$TOP/tests/lib.sh"

names="usr/sbin/sendmail usr/lib/sendmail usr/bin/mailq usr/bin/newaliases"
links() { make_in "$@" install-sendmail-links; }
unlinks() { make_in "$@" uninstall-sendmail-links; }
make_in() { # [VAR=value...] target
  (cd "$TOP" && t_make -s "$@") > "$L" 2>&1
}
targets() { # root: where each name points, one line each
  for n in $names; do
    if [ -L "$1/$n" ]; then echo "$n -> $(readlink "$1/$n")"
    elif [ -e "$1/$n" ]; then echo "$n: $(cat "$1/$n" | head -n 1)"
    else echo "$n: missing"; fi
  done
}

if [ -z "${SL_INSIDE:-}" ]; then
  D=$(t_tmpdir)
  L=$D/log
  S=$D/stage
  # ---- part 1: a DESTDIR stage with another MTA ------------------------
  mkdir -p "$S/usr/sbin" "$S/usr/bin"
  printf '#!/bin/sh\necho other-mta\n' > "$S/usr/sbin/sendmail"
  chmod 755 "$S/usr/sbin/sendmail"
  ln -s ../sbin/sendmail "$S/usr/bin/mailq"
  before=$(targets "$S")

  links DESTDIR="$S" QMAILHOME=/opt/q
  t_fail "another MTA's files: refused" test $? = 0
  t_match "  naming the file and what it is" "$(cat "$L")" "^$S/usr/sbin/sendmail: is a file, not our link"
  t_match "  and the link" "$(cat "$L")" "^$S/usr/bin/mailq: is a symbolic link to \\.\\./sbin/sendmail, not our link"
  t_match "  saying how to go on" "$(cat "$L")" 'make install-sendmail-links FORCE=1'
  t_check "  and nothing changed" "$(targets "$S")" "$before"

  links DESTDIR="$S" QMAILHOME=/opt/q FORCE=1
  t_check "FORCE=1: exit 0" "$?" 0
  t_check "  every name links to our sendmail" "$(targets "$S")" \
"usr/sbin/sendmail -> /opt/q/bin/sendmail
usr/lib/sendmail -> /opt/q/bin/sendmail
usr/bin/mailq -> /opt/q/bin/sendmail
usr/bin/newaliases -> /opt/q/bin/sendmail"
  t_check "  the other sendmail is kept as sendmail.pre-qmail" "$(cat "$S/usr/sbin/sendmail.pre-qmail")" \
"#!/bin/sh
echo other-mta"
  t_check "  the other mailq link as mailq.pre-qmail" "$(readlink "$S/usr/bin/mailq.pre-qmail")" ../sbin/sendmail
  t_match "  and it says so" "$(cat "$L")" "^$S/usr/sbin/sendmail: the original is kept as $S/usr/sbin/sendmail\\.pre-qmail; now links to /opt/q/bin/sendmail\$"

  after=$(targets "$S"; ls "$S/usr/sbin" "$S/usr/bin")
  links DESTDIR="$S" QMAILHOME=/opt/q
  t_check "again, without FORCE: exit 0" "$?" 0
  t_check "  a no-op" "$(targets "$S"; ls "$S/usr/sbin" "$S/usr/bin")" "$after"
  t_match "  saying so" "$(cat "$L")" "^$S/usr/sbin/sendmail: already links to /opt/q/bin/sendmail\$"
  links DESTDIR="$S" QMAILHOME=/opt/q FORCE=1
  t_check "again, with FORCE=1: a no-op too" "$?:$(targets "$S"; ls "$S/usr/sbin" "$S/usr/bin")" "0:$after"

  unlinks DESTDIR="$S" QMAILHOME=/opt/q
  t_check "uninstall-sendmail-links: exit 0" "$?" 0
  t_check "  the originals are back, the names we added are gone" "$(targets "$S")" "$before"
  t_check "  no backup is left" "$(ls "$S/usr/sbin" "$S/usr/bin" | grep -c pre-qmail)" 0
  t_match "  and it says so" "$(cat "$L")" "^$S/usr/sbin/sendmail: our link removed, $S/usr/sbin/sendmail\\.pre-qmail is back\$"
  unlinks DESTDIR="$S" QMAILHOME=/opt/q
  t_check "  again: nothing to do, exit 0" "$?:$(targets "$S")" "0:$before"

  # A backup that exists already is never overwritten.
  echo older > "$S/usr/sbin/sendmail.pre-qmail"
  links DESTDIR="$S" QMAILHOME=/opt/q FORCE=1
  t_fail "FORCE=1 with sendmail.pre-qmail there already: refused" test $? = 0
  t_match "  says why" "$(cat "$L")" 'pre-qmail exists already'
  t_check "  and both files are as they were" "$(cat "$S/usr/sbin/sendmail.pre-qmail"):$(targets "$S")" "older:$before"

  # ---- part 2: the real paths, in a private namespace ------------------
  why=
  if [ "$(id -u)" != 0 ]; then
    why="needs root for a private mount namespace over /usr and /var/lib/dpkg"
  elif ! command -v unshare > /dev/null 2>&1; then
    why="needs unshare (util-linux)"
  elif ! unshare -m --propagation private true > /dev/null 2>&1; then
    why="unshare -m (a private mount namespace) is not permitted here"
  elif ! unshare -m --propagation private sh -c "mkdir -p '$D/ov/u' '$D/ov/w' &&
      mount -t overlay overlay -o lowerdir=/usr/sbin,upperdir='$D/ov/u',workdir='$D/ov/w' /usr/sbin" \
      > /dev/null 2>&1; then
    why="overlay mounts are not available here"
  fi
  if [ -n "$why" ]; then
    t_skip "install-sendmail-links on the real paths" "$why"
    t_done
    exit
  fi
  real_before=$(for n in $names; do stat -c '%n %i %Y %s' "/$n" 2>/dev/null || echo "/$n missing"; done;
                cat /var/lib/dpkg/diversions 2>/dev/null | md5sum)
  unshare -m --propagation private env SL_INSIDE=1 T_N0="$t_n" D="$D" sh "$0" > "$D/inside.tap"
  inside_rc=$?
  # renumber the inner TAP lines after ours
  while IFS= read -r line; do
    case $line in
      "ok "*|"not ok "*)
        rest=${line#ok }; [ "${line#not }" != "$line" ] && rest=${line#not ok }
        rest=${rest#* }
        t_n=$((t_n + 1))
        case $line in "not ok "*) echo "not ok $t_n $rest"; t_failed=$((t_failed + 1)) ;; *) echo "ok $t_n $rest" ;; esac ;;
      1..*) ;;
      *) echo "$line" ;;
    esac
  done < "$D/inside.tap"
  t_check "the inner run completed" "$inside_rc:$(grep -c '^1\.\.' "$D/inside.tap")" "0:1"
  real_after=$(for n in $names; do stat -c '%n %i %Y %s' "/$n" 2>/dev/null || echo "/$n missing"; done;
               cat /var/lib/dpkg/diversions 2>/dev/null | md5sum)
  t_check "the machine's own sendmail names and dpkg diversions are untouched" "$real_after" "$real_before"
  t_done
  exit
fi

# ---- inside the namespace ---------------------------------------------------
L=$D/inner.log
for d in /usr/sbin /usr/bin /usr/lib /var/lib/dpkg; do
  [ -d "$d" ] || continue
  key=$(echo "$d" | tr / _)
  mkdir -p "$D/ov/$key.u" "$D/ov/$key.w"
  mount -t overlay overlay -o "lowerdir=$d,upperdir=$D/ov/$key.u,workdir=$D/ov/$key.w" "$d" || {
    echo "not ok 1 - overlay over $d"; echo "1..1"; exit 1; }
done
t_ok "overlays over /usr/sbin, /usr/bin, /usr/lib and /var/lib/dpkg" \
  sh -c "touch /usr/sbin/sl-probe && test -e '$D/ov/_usr_sbin.u/sl-probe' && rm /usr/sbin/sl-probe"

Q=/var/qmail
pkg=
if command -v dpkg > /dev/null 2>&1; then
  pkg=$(dpkg -S /usr/sbin/sendmail 2>/dev/null | sed -n '1s/: .*//p')
fi
if [ -z "$pkg" ] && [ ! -e /usr/sbin/sendmail ]; then
  # no MTA on this machine: a fake one, in the overlay only
  printf '#!/bin/sh\necho other-mta\n' > /usr/sbin/sendmail
  chmod 755 /usr/sbin/sendmail
fi
cp -P /usr/sbin/sendmail "$D/original-sendmail"
before=$(targets "")

links QMAILHOME=$Q
t_fail "the machine's sendmail: refused without FORCE" test $? = 0
if [ -n "$pkg" ]; then
  t_match "  naming its package ($pkg)" "$(cat "$L")" "^/usr/sbin/sendmail: is .*, of the package $pkg, not our link"
else
  t_match "  naming it" "$(cat "$L")" "^/usr/sbin/sendmail: is a file, not our link"
fi
t_check "  nothing changed" "$(targets "")" "$before"

links QMAILHOME=$Q FORCE=1
t_check "FORCE=1: exit 0" "$?" 0
t_check "  /usr/sbin/sendmail links to ours" "$(readlink /usr/sbin/sendmail)" $Q/bin/sendmail
t_check "  so do mailq and newaliases" "$(readlink /usr/bin/mailq):$(readlink /usr/bin/newaliases)" \
  "$Q/bin/sendmail:$Q/bin/sendmail"
t_ok "  the original is kept as sendmail.pre-qmail" cmp "$D/original-sendmail" /usr/sbin/sendmail.pre-qmail
if [ -n "$pkg" ]; then
  t_check "  through a dpkg diversion" "$(dpkg-divert --truename /usr/sbin/sendmail)" /usr/sbin/sendmail.pre-qmail
  t_match "  and says so" "$(cat "$L")" "^/usr/sbin/sendmail: the original is diverted with dpkg-divert \\(package $pkg\\)"
fi
after=$(targets ""; ls /usr/sbin | grep -c pre-qmail)
links QMAILHOME=$Q
t_check "again: exit 0 and a no-op" "$?:$(targets ""; ls /usr/sbin | grep -c pre-qmail)" "0:$after"

unlinks QMAILHOME=$Q
t_check "uninstall-sendmail-links: exit 0" "$?" 0
t_ok "  the original /usr/sbin/sendmail is back" cmp "$D/original-sendmail" /usr/sbin/sendmail
t_check "  every name as before" "$(targets "")" "$before"
t_check "  no backup left" "$(ls /usr/sbin /usr/lib /usr/bin | grep -c 'pre-qmail')" 0
if [ -n "$pkg" ]; then
  t_check "  and no diversion" "$(dpkg-divert --truename /usr/sbin/sendmail)" /usr/sbin/sendmail
fi
t_done
