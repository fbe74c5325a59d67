#!/usr/bin/env bash
# Run by scripts/images.sh inside a copy of this folder (the build context): adds the host's static
# busybox (Debian package busybox-static) and a link per applet.
set -euo pipefail
BUSYBOX=${BUSYBOX:-/bin/busybox}
[[ -x $BUSYBOX ]] || { echo "no $BUSYBOX: apt-get install -y busybox-static" >&2; exit 1; }
if ldd "$BUSYBOX" >/dev/null 2>&1; then
  echo "$BUSYBOX is dynamically linked; install busybox-static (apt-get install -y busybox-static)" >&2
  exit 1
fi
mkdir -p rootfs/bin rootfs/sbin rootfs/usr/bin rootfs/usr/sbin rootfs/tmp rootfs/root
chmod 1777 rootfs/tmp
cp "$BUSYBOX" rootfs/bin/busybox
"$BUSYBOX" --list-full | while read -r applet; do
  [[ $applet == bin/busybox ]] && continue
  ln -sf /bin/busybox "rootfs/$applet"
done
