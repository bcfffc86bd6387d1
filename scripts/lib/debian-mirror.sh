# shellcheck shell=bash
# Sourced: debian_mirror prints the Debian mirror this host's apt already uses (deb822 or one-line
# sources), or ODIN_DEBIAN_MIRROR when set, so nothing of ours names a mirror of its own.
debian_mirror() {
  local mirror=${ODIN_DEBIAN_MIRROR:-}
  [ -n "$mirror" ] || mirror=$(sed -n 's/^URIs: *\([^ ]*\).*/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -1)
  [ -n "$mirror" ] || mirror=$(sed -n 's/^deb \(\[[^]]*\] \)\?\([^ ]*\) .*/\2/p' /etc/apt/sources.list 2>/dev/null | grep -v security | head -1)
  printf '%s' "$mirror"
}
