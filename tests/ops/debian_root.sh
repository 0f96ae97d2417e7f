# Sourced by check_install.sh: a clean Debian 12 system to install the packages into.
# A minbase tree made once with debootstrap from Debian's registry and kept in
# $SAMSPIL_TEST_CACHE (default /var/cache/samspil-tests) between runs; each test gets a
# writable overlay of it, so the cached tree stays clean. Needs: $work, fail().
# Sets: $root. mount_debian_root mounts; unmount_debian_root undoes it (safe to call twice).

cache="${SAMSPIL_TEST_CACHE:-/var/cache/samspil-tests}"
root="$work/root"

# ensure_debian_tree: the cached tree, made under a lock (parallel runs wait for one maker)
# and moved into place only when complete, so a killed run never leaves half a tree.
ensure_debian_tree() {
  mkdir -p "$cache"
  exec 9>"$cache/debian12-minbase.lock"
  flock 9
  if [ ! -e "$cache/debian12-minbase/etc/debian_version" ]; then
    local started=$SECONDS
    rm -rf "$cache/debian12-minbase.making"
    debootstrap --variant=minbase bookworm "$cache/debian12-minbase.making" http://deb.debian.org/debian \
      >"$work/debootstrap.log" 2>&1 || fail "debootstrap: $(tail -5 "$work/debootstrap.log")"
    mv "$cache/debian12-minbase.making" "$cache/debian12-minbase"
    echo "$name: made the Debian 12 tree in $cache/debian12-minbase in $((SECONDS - started)) s (cached for later runs)"
  fi
  flock -u 9
}

mount_debian_root() {
  ensure_debian_tree
  mkdir -p "$root" "$work/overlay/upper" "$work/overlay/work"
  mount -t overlay overlay -o "lowerdir=$cache/debian12-minbase,upperdir=$work/overlay/upper,workdir=$work/overlay/work" "$root"
  mount -t proc proc "$root/proc"
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  # No systemd runs in here: the maintainer scripts take their no-systemd branch, as in a
  # container; the test then starts the server the way the unit says.
  [ ! -e "$root/run/systemd/system" ] || fail "the Debian tree claims a running systemd"
}

# Processes still running inside the tree (a failure midway), then the mounts, innermost first.
unmount_debian_root() {
  local link pid
  for link in /proc/[0-9]*/root; do
    [ "$(readlink "$link" 2>/dev/null)" = "$root" ] || continue
    pid=${link#/proc/}; pid=${pid%/root}
    kill -9 "$pid" 2>/dev/null || true
    sleep 0.2
  done
  if mountpoint -q "$root/proc" 2>/dev/null; then umount "$root/proc" || true; fi
  if mountpoint -q "$root" 2>/dev/null; then umount "$root" || true; fi
  # Never leave a mount under $work for the cleanup's rm -rf.
  if mountpoint -q "$root" || mountpoint -q "$root/proc" 2>/dev/null; then
    echo "$name: could not unmount $root; leaving $work in place" >&2
    work=/nonexistent-samspil-work
  fi
  return 0
}

# in_root COMMAND...: as root inside the tree, with a plain environment.
in_root() {
  chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 "$@"
}
