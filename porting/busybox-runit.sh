#!/bin/sh
# busybox-runit.sh OUTDIR -- build a busybox that has the runit applets
# (runsvdir, runsv, sv, svlogd, chpst), as routers run them, into
# OUTDIR/busybox, for tests/integration/supervise.sh.  Debian's busybox
# and busybox-static are built without those applets, so this one is
# made from Debian's source of the same release with only them enabled
# (about 15 seconds on two cores).
#
# The source archive is taken from $DISTDIR (default build/distfiles)
# or fetched with `apt-get source --download-only busybox` (porting/
# deps.sh adds the deb-src entry that needs), and used only if its
# SHA-256 matches the one below.  Needs cc, make, bzip2 and tar.
# Exit codes: 0 built (or already there); 1 it could not be.
set -eu

version=1.35.0
file=busybox_$version.orig.tar.bz2
sum=faeeb244c35a348a334f4a59e44626ee870fb07b6884d68c10ae8bc19f83a694
applets="RUNSVDIR RUNSV SV SVLOGD CHPST BUSYBOX"

out=${1:?usage: busybox-runit.sh OUTDIR}
top=$(cd "$(dirname "$0")/.." && pwd)
: "${DISTDIR:=$top/build/distfiles}"

say() { echo "busybox-runit: $*" >&2; }
die() { say "$*"; exit 1; }

if [ -x "$out/busybox" ] && "$out/busybox" --list 2> /dev/null | grep -qx runsvdir; then
  exit 0
fi
for tool in cc make bzip2 tar sha256sum; do
  command -v "$tool" > /dev/null 2>&1 || die "$tool is not installed"
done
mkdir -p "$DISTDIR" "$out"
out=$(cd "$out" && pwd)

# a deb-src entry beside Debian's own, as porting/deps.sh adds it
add_deb_src() {
  grep -qs '^Types:.*deb-src' /etc/apt/sources.list.d/*.sources && return 1
  grep -qs '^deb-src' /etc/apt/sources.list /etc/apt/sources.list.d/*.list && return 1
  [ "$(id -u)" = 0 ] && [ -f /etc/apt/sources.list.d/debian.sources ] || return 1
  say "adding a deb-src entry (/etc/apt/sources.list.d/qmail-deb-src.sources) for apt-get source"
  sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources \
    > /etc/apt/sources.list.d/qmail-deb-src.sources
  apt-get update -q > /dev/null 2>&1
}

fetch() {   # into the current directory
  apt-get source -q --download-only busybox > /dev/null 2>&1 < /dev/null
}

if [ ! -f "$DISTDIR/$file" ]; then
  command -v apt-get > /dev/null 2>&1 || die "no $DISTDIR/$file and no apt-get to fetch it"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && fetch) || { add_deb_src && (cd "$tmp" && fetch); } \
    || die "apt-get source busybox failed"
  [ -f "$tmp/$file" ] || die "apt-get source brought no $file (another release?)"
  mv "$tmp/$file" "$DISTDIR/$file"
fi
got=$(sha256sum < "$DISTDIR/$file" | cut -d' ' -f1)
[ "$got" = "$sum" ] || die "checksum mismatch for $DISTDIR/$file: expected sha256 $sum, got $got"

work=$out/src
rm -rf "$work"
mkdir -p "$work"
bzip2 -dc "$DISTDIR/$file" | (cd "$work" && tar xf -) || die "cannot unpack $file"
src=$work/busybox-$version
[ -d "$src" ] || die "unexpected layout in $file"
(
  cd "$src"
  make allnoconfig > "$out/build.log" 2>&1
  for applet in $applets; do
    sed -i "s/^# CONFIG_$applet is not set\$/CONFIG_$applet=y/" .config
  done
  yes '' | make oldconfig >> "$out/build.log" 2>&1
  make -j2 busybox >> "$out/build.log" 2>&1
) || die "the build failed; see $out/build.log"
cp "$src/busybox" "$out/busybox.tmp" && mv "$out/busybox.tmp" "$out/busybox"
rm -rf "$work"
for applet in runsvdir runsv sv svlogd chpst; do
  "$out/busybox" --list | grep -qx "$applet" || die "the busybox built has no $applet"
done
say "built $out/busybox with runsvdir, runsv, sv, svlogd and chpst"
