# Dockyard sandbox: login shell defaults (sourced by /etc/profile).
export EDITOR=vi
export LANG=C.UTF-8
[ -f /etc/motd ] && [ -z "${DOCKYARD_MOTD_SHOWN:-}" ] && cat /etc/motd && export DOCKYARD_MOTD_SHOWN=1
