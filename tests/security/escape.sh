#!/bin/sh
# Escape attempts from a Dockyard sandbox; POSIX sh (works in dash and busybox sh). Prints "attempt | result";
# any result containing "SUCCEEDED" is a hole. escape.test.ts runs it as a sandbox's root and inside the containers it may start.
#   HOST_MARKER  a host file containing "hostsecret" that must stay unreadable
#   PWNED        a host path the core_pattern attempt would make the host kernel run as root
HOST_MARKER=${HOST_MARKER:-/var/lib/dockyard/test/HOST_MARKER}
PWNED=${PWNED:-/var/lib/dockyard/test/pwned_by_sandbox}
r(){ echo "$1 | $2"; }
E=/tmp/e; mkdir -p $E/p $E/b $E/c $E/c2
echo "# uid_map: $(cat /proc/self/uid_map | tr -s ' ' | tr '\n' ';')  CapEff: $(grep CapEff /proc/self/status | cut -f2)"
# 1 fresh proc mount + core_pattern
if mount -t proc proc $E/p 2>$E/err; then
  if (echo "|$PWNED %p" > $E/p/sys/kernel/core_pattern) 2>$E/err; then r "fresh proc + write core_pattern" "WRITE SUCCEEDED"; else r "fresh proc + write core_pattern" "proc mount OK; write: $(tr '\n' ' ' <$E/err)"; fi
  umount $E/p 2>/dev/null
else r "fresh proc + write core_pattern" "proc mount: $(tr '\n' ' ' <$E/err)"; fi
# 2 /proc/sys/kernel/* and friends (docker-masked /proc and a fresh proc mount)
mount -t proc proc $E/p 2>/dev/null
for f in $E/p/sys/kernel/panic $E/p/sys/kernel/randomize_va_space $E/p/sys/vm/drop_caches $E/p/sys/kernel/hostname /proc/sys/kernel/core_pattern /proc/sys/kernel/modprobe /proc/sys/kernel/sysrq /proc/sys/kernel/panic /proc/sys/kernel/randomize_va_space /proc/sys/vm/drop_caches /sys/kernel/uevent_helper; do
  v=$(cat $f 2>/dev/null | head -1)
  if (echo "$v" > $f) 2>$E/err; then r "write $f (same value)" "WRITE SUCCEEDED"; else r "write $f" "$(tr '\n' ' ' <$E/err)"; fi
done
umount $E/p 2>/dev/null
if (echo h > /proc/sysrq-trigger) 2>$E/err; then r "write /proc/sysrq-trigger (h)" "WRITE SUCCEEDED"; else r "write /proc/sysrq-trigger" "$(tr '\n' ' ' <$E/err)"; fi
# 3 mknod host block device + mount
MAJ=$(awk '$4=="vda"{print $1}' /proc/partitions); MIN=$(awk '$4=="vda"{print $2}' /proc/partitions); r "/proc/partitions vda" "${MAJ:-absent}:${MIN:-absent}"
if mknod $E/vda b ${MAJ:-254} ${MIN:-0} 2>$E/err; then
  r "mknod vda" "OK"
  if head -c 512 $E/vda >/dev/null 2>$E/err2; then r "read raw vda" "READ SUCCEEDED"; else r "read raw vda" "$(tr '\n' ' ' <$E/err2)"; fi
  if mount -o ro $E/vda $E/b 2>$E/err; then r "mount vda" "MOUNT SUCCEEDED: $(ls $E/b | head -3 | tr '\n' ' ')"; umount $E/b; else r "mount vda" "$(tr '\n' ' ' <$E/err)"; fi
else r "mknod b ${MAJ:-254} ${MIN:-0}" "$(tr '\n' ' ' <$E/err)"; fi
ls /dev | grep -qx vda && r "/dev/vda present" "yes" || r "/dev/vda present" "no"
# 4 cgroup release_agent
if mount -t cgroup -o memory cgroup $E/c 2>$E/err; then
  if [ -e $E/c/release_agent ]; then
    if (echo /tmp/x > $E/c/release_agent) 2>$E/err; then r "cgroup(memory) release_agent write" "WRITE SUCCEEDED"; else r "cgroup(memory) release_agent write" "$(tr '\n' ' ' <$E/err)"; fi
  else r "cgroup(memory) mount" "mounted, release_agent file absent (cgroupns root)"; fi
  umount $E/c
else r "mount cgroup memory" "$(tr '\n' ' ' <$E/err)"; fi
if mount -t cgroup -o none,name=pwn cgroup $E/c2 2>$E/err; then r "mount new cgroup hierarchy name=pwn" "MOUNTED; release_agent exists: $([ -e $E/c2/release_agent ] && echo yes || echo no)"; (echo /tmp/x > $E/c2/release_agent) 2>$E/err && r "new hierarchy release_agent write" "WRITE SUCCEEDED" || r "new hierarchy release_agent write" "$(tr '\n' ' ' <$E/err)"; umount $E/c2; else r "mount new cgroup hierarchy name=pwn" "$(tr '\n' ' ' <$E/err)"; fi
ls /sys/fs/cgroup/*/release_agent 2>/dev/null | head -2 | while read f; do (echo /tmp/x > $f) 2>$E/err && r "write $f" "WRITE SUCCEEDED" || r "write $f" "$(tr '\n' ' ' <$E/err)"; done
# 5 host files via /proc/*/root
n=0; for p in /proc/[0-9]*; do if cat $p/root$HOST_MARKER 2>/dev/null | grep -q hostsecret; then n=$((n+1)); fi; done
r "read host $HOST_MARKER via /proc/*/root (all visible pids)" "hits=$n"
r "/proc/1/root hostname file" "$(cat /proc/1/root/etc/hostname 2>&1)"
cat /etc/shadow >/dev/null 2>&1 && r "read own /etc/shadow" "ok (own rootfs)"
# 6 the rw sysfs anchor (needed for inner --privileged): host-wide kernel knobs must stay read-only
for f in /run/sysfs-anchor/kernel/uevent_helper /run/sysfs-anchor/kernel/mm/transparent_hugepage/enabled /run/sysfs-anchor/module/printk/parameters/time; do
  [ -e $f ] || continue
  v=$(cat $f 2>/dev/null | head -1)
  if (echo "$v" > $f) 2>$E/err; then r "write $f (same value)" "WRITE SUCCEEDED"; else r "write $f" "$(tr '\n' ' ' <$E/err)"; fi
done
# 7 the inner engine socket the host trusts: the sandbox must not be able to swap it (e.g. for a symlink)
if [ -S /run/dockyard-api/docker.sock ]; then
  if mv /run/dockyard-api/docker.sock /run/dockyard-api/moved 2>$E/err; then r "move /run/dockyard-api/docker.sock" "MOVE SUCCEEDED"; mv /run/dockyard-api/moved /run/dockyard-api/docker.sock; else r "move /run/dockyard-api/docker.sock" "$(tr '\n' ' ' <$E/err)"; fi
  if ln -sf /etc/passwd /run/dockyard-api/docker.sock 2>$E/err; then r "replace api socket by a symlink" "REPLACE SUCCEEDED"; else r "replace api socket by a symlink" "$(tr '\n' ' ' <$E/err)"; fi
fi
# 8 kernel modules: loading one needs CAP_SYS_MODULE in the host's user namespace (a junk file is enough to
# tell EPERM or ENOSYS, a refusal, from ENOEXEC, a kernel that parsed it)
head -c 4096 /dev/zero | tr '\0' 'x' > $E/x.ko
INSMOD=$(command -v insmod || { command -v busybox >/dev/null && echo "busybox insmod"; })
if [ -n "$INSMOD" ]; then
  if $INSMOD $E/x.ko 2>$E/err; then r "insmod" "LOAD SUCCEEDED"; else grep -qiE "not permitted|does not support" $E/err && r "insmod (junk module)" "$(tr '\n' ' ' <$E/err)" || r "insmod (junk module)" "KERNEL LOOKED (not EPERM): $(tr '\n' ' ' <$E/err)"; fi
else r "insmod" "no insmod here"; fi
[ -w /sys/module ] && (echo 1 > /sys/module/printk/parameters/time) 2>/dev/null && r "write /sys/module" "WRITE SUCCEEDED" || r "write /sys/module/printk/parameters/time" "refused"
# 9 kernel and host memory: /proc/kcore (docker masks it; a fresh proc mount has its own), /dev/mem, /dev/kmem, /dev/port
for f in /proc/kcore $E/p/kcore; do
  case $f in $E/*) mount -t proc proc $E/p 2>/dev/null || { r "read $f" "no fresh proc"; continue; } ;; esac
  n=$(head -c 4096 $f 2>$E/err | wc -c)
  [ "$n" -gt 0 ] && r "read $f" "READ SUCCEEDED ($n bytes)" || r "read $f" "0 bytes $(tr '\n' ' ' <$E/err)"
  umount $E/p 2>/dev/null
done
for dev in "mem 1 1" "kmem 1 2" "port 1 4"; do
  set -- $dev
  if mknod $E/$1 c $2 $3 2>$E/err; then
    n=$(head -c 16 $E/$1 2>$E/err | wc -c); [ "$n" -gt 0 ] && r "read /dev/$1 (mknod c $2 $3)" "READ SUCCEEDED" || r "read /dev/$1 (mknod c $2 $3)" "$(tr '\n' ' ' <$E/err)"
  else r "mknod /dev/$1" "$(tr '\n' ' ' <$E/err)"; fi
done
# 10 host time: setting the clock (to the time it already is) needs CAP_SYS_TIME in the host's namespace
# (busybox date reports a refused set on stderr yet exits 0: the error text decides)
if date -s "@$(date +%s)" >/dev/null 2>$E/err && [ ! -s $E/err ]; then r "set the clock (date -s)" "SET SUCCEEDED"; else r "set the clock (date -s)" "$(tr '\n' ' ' <$E/err)"; fi
# 11 the host's and the platform's Docker sockets must not be reachable by path
for s in /var/lib/dockyard/engine/docker.sock /run/docker.sock.host /var/run/docker-host.sock /proc/1/root/var/lib/dockyard/engine/docker.sock; do
  [ -S "$s" ] && r "platform socket $s" "PRESENT: SUCCEEDED" || r "platform socket $s" "absent"
done
