# shellcheck shell=bash
# Sourced: debian_mirror prints the Debian mirror this host's apt already uses (deb822 or one-line
# sources), or ODIN_DEBIAN_MIRROR when set, so nothing of ours names a mirror of its own.
debian_mirror() {
  local mirror=${ODIN_DEBIAN_MIRROR:-}
  [ -n "$mirror" ] || mirror=$(sed -n 's/^URIs: *\([^ ]*\).*/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -1)
  [ -n "$mirror" ] || mirror=$(sed -n 's/^deb \(\[[^]]*\] \)\?\([^ ]*\) .*/\2/p' /etc/apt/sources.list 2>/dev/null | grep -v security | head -1)
  printf '%s' "$mirror"
}

# debian_fetch DIR MIRROR PACKAGE[=VERSION]...: downloads Debian 13's .debs of those packages into
# DIR/debs with apt (signatures checked against the Debian archive keyring), in apt's sandbox: DIR
# must be one the _apt user can reach (a fresh `mktemp -d`, opened to 755, not a checkout whose
# parents may be closed to it). apt's own output goes to DIR/apt.log.
debian_fetch() {
  local dir=$1 mirror=$2
  shift 2
  mkdir -p "$dir/lists/partial" "$dir/debs"
  if [ "$(id -u)" = 0 ] && id _apt >/dev/null 2>&1; then chown -R _apt "$dir/lists/partial" "$dir/debs"; fi
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror trixie main" > "$dir/sources.list"
  local options=(-q -o "Dir::Etc::SourceList=$dir/sources.list" -o Dir::Etc::SourceParts=/nonexistent
    -o "Dir::State::Lists=$dir/lists" -o Dir::State::status=/dev/null -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache=)
  apt-get "${options[@]}" update >"$dir/apt.log" 2>&1 && (cd "$dir/debs" && apt-get "${options[@]}" download "$@") >>"$dir/apt.log" 2>&1
}
