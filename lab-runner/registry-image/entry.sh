#!/bin/sh
# The lab-runner passes the learner's credentials; the registry only accepts bcrypt htpasswd entries.
# (Not REGISTRY_*: the registry reads those variables as configuration.)
set -eu
: "${DOCKYARD_REGISTRY_USER:?}" "${DOCKYARD_REGISTRY_PASSWORD:?}"
printf '%s' "$DOCKYARD_REGISTRY_PASSWORD" | htpasswd -iBn "$DOCKYARD_REGISTRY_USER" >/etc/docker/registry/auth/htpasswd
unset DOCKYARD_REGISTRY_PASSWORD
exec docker-registry serve /etc/docker/registry/config.yml
