/**
 * The mmdebstrap steps both dracut fixtures share (Fedora-like with its initrd, GNOME-OS-like):
 * no initrd from the kernel's postinst while packages install, then, in the customize hook, the
 * kernel's modules cut down to what the fixture's boot needs (a small tree, a small initrd that
 * unpacks fast under emulation) and dracut put back, ready to make the one initrd the layout needs.
 */

/** mmdebstrap's essential hook: dracut is a no-op until the customize hook makes the initrd. */
export const DISABLE_DRACUT_HOOK =
  '--essential-hook=chroot "$1" dpkg-divert --quiet --local --rename --divert /usr/bin/dracut.sim-disabled --add /usr/bin/dracut && ln -s /bin/true "$1/usr/bin/dracut"';

/**
 * The first lines of a customize hook (a shell script, `$1` the tree): sets V (the kernel
 * release), keeps only `modulePaths` below its kernel/ directory, restores dracut, refreshes
 * the linker cache and lets root log in on the console without a password.
 */
export function trimTreeScript(modulePaths: readonly string[]): string {
  return `set -e
V=$(basename "$1"/usr/lib/modules/*)
K="$1/usr/lib/modules/$V/kernel"
mv "$K" "$K.all"
for p in ${modulePaths.join(' ')}; do mkdir -p "$K/$(dirname $p)"; cp -a "$K.all/$p" "$K/$p"; done
rm -rf "$K.all"
chroot "$1" depmod "$V"
rm -f "$1/usr/bin/dracut" "$1/usr/sbin/update-initramfs"
chroot "$1" dpkg-divert --quiet --local --rename --remove /usr/bin/dracut
chroot "$1" ldconfig
chroot "$1" passwd --quiet --delete root`;
}
