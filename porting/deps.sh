#!/bin/sh
# deps.sh OUTDIR NAME... -- fetch, verify and build the bundled
# dependencies (BearSSL, tinycdb) as static libraries, ports style.
#
# For each NAME the archives pinned in porting/distinfo are looked for in
# $DISTDIR, then fetched with `apt-get source --download-only` (Debian's
# source archive; a deb-src entry is added when running as root and none
# exists), then from the upstream site.  Every archive is checked against
# its SHA-256 before it is unpacked; a mismatch stops the build.
#
# Results: OUTDIR/lib/libbearssl.a, OUTDIR/lib/libcdb.a, OUTDIR/include/.
# Compiled with $CC $CFLAGS, archived with $AR and $RANLIB.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
distinfo=$here/distinfo
out=$1; shift
mkdir -p "$out"
out=$(cd "$out" && pwd)
: "${CC:=cc}" "${CFLAGS:=-O2}" "${AR:=ar}" "${RANLIB:=ranlib}" "${JOBS:=2}"
: "${DISTDIR:=$out/../distfiles}"
mkdir -p "$DISTDIR"
DISTDIR=$(cd "$DISTDIR" && pwd)

say() { echo "deps: $*" >&2; }
die() { echo "deps: fatal: $*" >&2; exit 1; }

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum < "$1" | cut -d' ' -f1
  elif command -v sha256 >/dev/null 2>&1; then sha256 -q "$1"
  elif command -v shasum >/dev/null 2>&1; then shasum -a 256 < "$1" | cut -d' ' -f1
  else die "no sha256sum, sha256 or shasum to verify archives with"
  fi
}

# verify FILE EXPECTED: succeed, or stop the build naming both sums.
verify() {
  got=$(sha256_of "$1")
  if [ "$got" != "$2" ]; then
    die "checksum mismatch for $1: expected sha256 $2, got $got; remove the file or fix porting/distinfo"
  fi
}

deb_src_present() {
  grep -qs '^deb-src' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null && return 0
  grep -qs '^Types:.*deb-src' /etc/apt/sources.list.d/*.sources 2>/dev/null
}

add_deb_src() {
  [ "$(id -u)" = 0 ] || return 1
  [ -f /etc/apt/sources.list.d/debian.sources ] || return 1
  say "adding a deb-src entry (/etc/apt/sources.list.d/qmail-deb-src.sources) for apt-get source"
  sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources \
    > /etc/apt/sources.list.d/qmail-deb-src.sources
  apt-get update -q >/dev/null 2>&1 || return 1
}

# fetch_debian PKG=VER FILE: download Debian's source archive into DISTDIR.
fetch_debian() {
  command -v apt-get >/dev/null 2>&1 || return 1
  tmp=$(mktemp -d)
  if ! (cd "$tmp" && apt-get source -q --download-only "$1" >/dev/null 2>&1); then
    if ! deb_src_present && add_deb_src; then
      (cd "$tmp" && apt-get source -q --download-only "$1" >/dev/null 2>&1) || { rm -rf "$tmp"; return 1; }
    else
      rm -rf "$tmp"; return 1
    fi
  fi
  [ -f "$tmp/$2" ] || { rm -rf "$tmp"; return 1; }
  mv "$tmp/$2" "$DISTDIR/$2"
  rm -rf "$tmp"
}

fetch_url() {
  if command -v curl >/dev/null 2>&1; then curl -fsSL -o "$2.part" "$1"
  elif command -v wget >/dev/null 2>&1; then wget -q -O "$2.part" "$1"
  elif command -v fetch >/dev/null 2>&1; then fetch -q -o "$2.part" "$1"
  else return 1
  fi && mv "$2.part" "$2"
}

# find_archive NAME: set $archive to the path of a verified archive.
find_archive() {
  list=$out/distinfo.$1
  grep "^$1[ 	]" "$distinfo" > "$list" || die "$1 is not listed in $distinfo"
  archive=
  # 1. anything already in DISTDIR
  while read -r name ver kind where file sum; do
    if [ -f "$DISTDIR/$file" ]; then
      verify "$DISTDIR/$file" "$sum"
      archive=$DISTDIR/$file
      return 0
    fi
  done < "$list"
  # 2. Debian's source archive, 3. the upstream site
  for try in debian upstream; do
    while read -r name ver kind where file sum; do
      [ "$kind" = "$try" ] || continue
      if [ "$kind" = debian ]; then
        say "fetching $file with apt-get source $where"
        fetch_debian "$where" "$file" < /dev/null || { say "apt-get source $where failed"; continue; }
      else
        say "fetching $where"
        fetch_url "$where" "$DISTDIR/$file" < /dev/null || { say "download of $where failed"; continue; }
      fi
      verify "$DISTDIR/$file" "$sum"
      archive=$DISTDIR/$file
      return 0
    done < "$list"
  done
  die "no source archive for $1: put one of the files named in $distinfo into DISTDIR=$DISTDIR"
}

unpack() {
  rm -rf "$2"; mkdir -p "$2"
  case $1 in
    *.tar.xz) xz -dc "$1" | (cd "$2" && tar xf -) ;;
    *.tar.gz|*.tgz) gzip -dc "$1" | (cd "$2" && tar xf -) ;;
    *) die "unknown archive type: $1" ;;
  esac || die "cannot unpack $1"
  # archives hold one top directory
  top=$(ls "$2")
  [ -d "$2/$top" ] || die "unexpected layout in $1"
  echo "$2/$top"
}

# compile_all DIR LIB INCFLAGS FILES...: compile in parallel, then archive.
compile_all() {
  dir=$1 lib=$2 inc=$3; shift 3
  objdir=$dir/.obj; mkdir -p "$objdir"
  for f in "$@"; do echo "$f"; done |
    xargs -P "$JOBS" -I{} sh -c '
      f={}; o="$0/$(echo "$f" | tr / _).o"
      $CC $CFLAGS $1 -w -c -o "$o" "$f" || { echo "deps: compiling $f failed" >&2; exit 255; }
    ' "$objdir" "$inc" || die "compilation of $lib failed (CC=$CC)"
  rm -f "$lib"
  $AR rc "$lib" "$objdir"/*.o || die "$AR failed for $lib"
  $RANLIB "$lib" || die "$RANLIB failed for $lib"
}

export CC CFLAGS
mkdir -p "$out/lib" "$out/include" "$out/src"
for name in "$@"; do
  find_archive "$name"
  src=$(unpack "$archive" "$out/src/$name")
  say "building $name from $(basename "$archive") with $CC"
  case $name in
    bearssl)
      files=$(cd "$src" && find src -name '*.c' | sort)
      (cd "$src" && compile_all "$src" "$out/lib/libbearssl.a" "-Isrc -Iinc" $files)
      cp "$src"/inc/*.h "$out/include/"
      ;;
    tinycdb)
      files=$(cd "$src" && ls cdb_*.c)
      (cd "$src" && compile_all "$src" "$out/lib/libcdb.a" "-I." $files)
      cp "$src/cdb.h" "$out/include/"
      ;;
    *) die "unknown dependency $name" ;;
  esac
done
