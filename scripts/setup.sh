#!/usr/bin/env bash
# Prepares a Debian 12 machine (as root) to run Dockyard: system packages, npm packages, Dockyard's own
# dockerd, the images, the database and the site build. Safe to run again; finished steps are skipped quickly.
#   scripts/setup.sh          what running Dockyard needs
#   scripts/setup.sh --test   also what the tests need (Debian's chromium for Playwright, postgresql)
set -euo pipefail
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 DEBIAN_FRONTEND=noninteractive

step() { printf '\n\033[1m[setup] %s\033[0m\n' "$*"; }
fail() { printf '\033[31m[setup] %s\033[0m\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || fail "run as root: Dockyard starts its own Docker daemon and prepares the host for it."
command -v node >/dev/null && node -e 'process.exit(+process.versions.node.split(".")[0] === 20 ? 0 : 1)' ||
  fail "Node.js 20 is required (found: $(node --version 2>/dev/null || echo none))."

packages=(docker.io debootstrap busybox-static iptables iproute2 e2fsprogs xfsprogs gcc g++ make python3 python3-pip apt-utils libc6-dev ca-certificates caddy docker-registry)
# (certutil, of libnss3-tools, makes the test browser trust the front server's own CA)
# (python3-venv: the tests run an LTI platform and a webhook receiver from their PyPI packages)
[ "${1:-}" = "--test" ] && packages+=(chromium postgresql libnss3-tools python3-venv)
missing=()
for p in "${packages[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  step "installing Debian packages: ${missing[*]}"
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
# Debian's caddy package starts a caddy.service of its own on port 80; Dockyard's front server is scripts/front.sh.
# Likewise docker-registry's own service on port 5000: Dockyard's registry mirror is scripts/mirror.sh.
for own in caddy docker-registry; do
  if [ -d /run/systemd/system ] && systemctl is-enabled --quiet $own.service 2>/dev/null; then systemctl disable --now $own.service; fi
done

# Native addons (node-pty, better-sqlite3) compile against the installed Node headers instead of downloading them.
[ -f /usr/include/node/node.h ] && export npm_config_nodedir=/usr
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  step "installing npm packages (native addons compile from source: a few minutes the first time)"
  npm install --no-audit --no-fund
fi

step "starting Dockyard's Docker engine"
bash scripts/engine.sh start

step "starting the registry mirror when one is configured (DOCKYARD_REGISTRY_MIRROR_UPSTREAM)"
bash scripts/mirror.sh start

step "building the offline package source (skipped when its lists did not change)"
bash scripts/packages.sh

step "building images (skipped when their inputs did not change)"
bash scripts/images.sh

# Only when the course has Kubernetes lessons (frontmatter `kubernetes:`); otherwise the first such lab builds them.
if grep -qs '^kubernetes:' "${DOCKYARD_CONTENT_DIR:-content}"/lessons/*/lesson.mdx; then
  step "building Kubernetes from Go modules for the Kubernetes lessons (cached by version; ~8 min the first time)"
  bash scripts/kubernetes/build.sh >/dev/null
fi

# The single sign-on tests sign in through Ory Hydra, built from its Go module (cached by version).
[ "${1:-}" = "--test" ] && { step "building Ory Hydra from its Go module for the sign-on tests (cached by version)"; bash scripts/hydra.sh >/dev/null; }

step "making the node disk templates of the lessons' image sets (skipped when their inputs did not change)"
npx --no-install tsx scripts/templates.ts

step "preparing the database"
bash scripts/prisma.sh migrate deploy
# The admin account (DOCKYARD_ADMIN_EMAIL, DOCKYARD_ADMIN_PASSWORD); a generated password is printed once, when it is made.
npx --no-install tsx scripts/create-admin.ts

step "building the site"
npx next build
