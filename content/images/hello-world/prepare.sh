#!/usr/bin/env bash
# Run by scripts/images.sh inside a copy of this folder (the build context): compiles hello.c into a
# static binary without libc (raw syscalls), a few KiB.
set -euo pipefail
command -v gcc >/dev/null || { echo "gcc missing: apt-get install -y gcc" >&2; exit 1; }
gcc -static -Os -nostdlib -fno-pie -no-pie -fno-stack-protector -fno-asynchronous-unwind-tables \
  -Wl,--build-id=none -s -o hello hello.c
