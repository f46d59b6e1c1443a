#!/usr/bin/env bash
# Builds one OneMCP runtime root filesystem from the system's own Debian mirror and
# writes it as a tar archive ready for the engine's image import. No container registry.
#   build-rootfs.sh NAME OUT.tar        (run as root)
# Environment (the caller reads these from the host's configuration, never hard-coded):
#   ONEMCP_MIRROR      Debian mirror URI (from the apt sources)
#   ONEMCP_SUITE       Debian suite (from /etc/os-release), e.g. bookworm
#   ONEMCP_NODE_MAJOR  node image only: the Node major to fetch from the npm registry
# Progress lines on stderr start with "==> ".
set -euo pipefail
name=$1
out=$2
here=$(cd "$(dirname "$0")" && pwd)
recipe=$here/$name/recipe.sh
[[ -f $recipe ]] || { echo "build-rootfs: no recipe $recipe" >&2; exit 2; }
: "${ONEMCP_MIRROR:?set ONEMCP_MIRROR}" "${ONEMCP_SUITE:?set ONEMCP_SUITE}"
[[ $(id -u) -eq 0 ]] || { echo "build-rootfs: must run as root (debootstrap, chroot)" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/onemcp-rootfs.XXXXXX")
root=$work/root
cleanup() {
  mountpoint -q "$root/proc" && umount -l "$root/proc"
  rm -rf "$work"
}
trap cleanup EXIT

step() { echo "==> [$name] $*" >&2; }
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
  DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 "$@"; }
apt_install() {
  in_root apt-get update -qq
  in_root apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

step "debootstrap --variant=minbase $ONEMCP_SUITE from $ONEMCP_MIRROR"
debootstrap --variant=minbase "$ONEMCP_SUITE" "$root" "$ONEMCP_MIRROR" >"$work/debootstrap.log" 2>&1 ||
  { tail -20 "$work/debootstrap.log" >&2; exit 1; }
cp /etc/resolv.conf "$root/etc/resolv.conf"
mount -t proc proc "$root/proc"

# shellcheck source=/dev/null
source "$recipe"
step "recipe"
recipe

step "non-root user mcp (uid 1000), data and package directories"
grep -q '^mcp:' "$root/etc/passwd" || {
  echo 'mcp:x:1000:1000:OneMCP server:/home/mcp:/usr/sbin/nologin' >>"$root/etc/passwd"
  echo 'mcp:x:1000:' >>"$root/etc/group"
  echo 'mcp:*:19000:0:99999:7:::' >>"$root/etc/shadow"
}
install -d -o 1000 -g 1000 "$root/home/mcp" "$root/data" "$root/opt/onemcp" "$root/opt/onemcp/pkg"

step "trim"
in_root apt-get clean
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/usr/share/doc/* \
  "$root"/usr/share/man/* "$root"/usr/share/locale/* "$root"/tmp/* "$root"/var/log/*
: >"$root/etc/resolv.conf"
umount -l "$root/proc"

step "tar"
tar --numeric-owner -C "$root" -cf "$out" .
step "done: $(du -h "$out" | cut -f1)"
