#!/bin/sh
# size.sh [BINDIR] -- the footprint of the programs `make install` puts
# in bin/: each one's size in bytes once stripped, and the total.  Run by
# `make size`; BINDIR defaults to build/bin (every program there is
# installed).
#
# Each program is measured on a stripped copy, so the numbers do not
# depend on LDFLAGS=-s; the build's own files are left as they are.
# STRIP names the strip program (a cross toolchain's, e.g.
# STRIP=mipsel-openwrt-linux-musl-strip); if it cannot strip a file the
# file's own size is shown, marked "(not stripped)".
#
# Exit codes: 0 sizes printed; 1 BINDIR holds no programs or a copy
# could not be made.
set -u

bindir=${1:-build/bin}
strip=${STRIP:-strip}

[ -d "$bindir" ] || { echo "size: $bindir does not exist; run make first" >&2; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/size.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP

total=0
count=0
for prog in "$bindir"/*; do
  [ -f "$prog" ] && [ -x "$prog" ] || continue
  name=$(basename "$prog")
  cp "$prog" "$tmp/$name" || exit 1
  note=
  "$strip" "$tmp/$name" 2> /dev/null || note=" (not stripped)"
  bytes=$(wc -c < "$tmp/$name" | tr -d ' ')
  rm -f "$tmp/$name"
  printf '%9d  %s%s\n' "$bytes" "$name" "$note"
  total=$((total + bytes))
  count=$((count + 1))
done
[ "$count" -gt 0 ] || { echo "size: no programs in $bindir; run make first" >&2; exit 1; }
printf '%9d  total (%d programs)\n' "$total" "$count"
