/**
 * Files the playbook installs on the host. They are static — the same bytes for every target —
 * and learn everything target-specific from their arguments or the systemd instance name, so no
 * value from the inputs is ever pasted into them. (Kept as constants rather than files beside this
 * module so they ship with the package, which publishes only compiled code.)
 */

/** `slipway-backup ENV RETENTION_DAYS KIND:STORE...`: dumps the embedded stores of a Compose project and prunes old backups. */
export const backupScript = `#!/bin/sh
# Backs up the embedded data stores of a Slipway Compose project.
# Usage: slipway-backup ENVIRONMENT RETENTION_DAYS KIND:STORE...
#   KIND is postgres, mysql, redis or volume; STORE is the store's Compose service.
# Backups land in /var/backups/slipway/ENVIRONMENT/<UTC time>/; older ones than
# RETENTION_DAYS are removed after a successful run.
set -eu

usage() {
  echo "usage: slipway-backup ENVIRONMENT RETENTION_DAYS KIND:STORE..." >&2
  exit 2
}

[ "$#" -ge 2 ] || usage
environment=$1
retention=$2
shift 2

case $environment in '' | *[!a-z0-9-]*) usage ;; esac
case $retention in '' | *[!0-9]*) usage ;; esac

root=/var/backups/slipway/$environment
target=$root/$(date -u +%Y%m%dT%H%M%SZ)
umask 077
mkdir -p "$target"

container_of() {
  docker ps --quiet \\
    --filter "label=com.docker.compose.project=$environment" \\
    --filter "label=com.docker.compose.service=$1" | head -n 1
}

archive_volume() {
  docker run --rm \\
    --volume "\${environment}_$1-data:/data:ro" \\
    --volume "$target:/backup" \\
    busybox:1.37.0 tar czf "/backup/$1.tar.gz" -C /data .
}

for item in "$@"; do
  kind=\${item%%:*}
  store=\${item#*:}
  case $store in '' | *[!a-z0-9-]*) usage ;; esac
  case $kind in
    postgres)
      id=$(container_of "$store")
      [ -n "$id" ] || { echo "slipway-backup: $store is not running" >&2; exit 1; }
      docker exec "$id" sh -c 'exec pg_dumpall --username="$POSTGRES_USER"' | gzip > "$target/$store.sql.gz"
      ;;
    mysql)
      id=$(container_of "$store")
      [ -n "$id" ] || { echo "slipway-backup: $store is not running" >&2; exit 1; }
      docker exec "$id" sh -c 'MYSQL_PWD="$MYSQL_PASSWORD" exec mysqldump --single-transaction --no-tablespaces --user="$MYSQL_USER" "$MYSQL_DATABASE"' | gzip > "$target/$store.sql.gz"
      ;;
    redis)
      id=$(container_of "$store")
      [ -n "$id" ] || { echo "slipway-backup: $store is not running" >&2; exit 1; }
      docker exec "$id" redis-cli SAVE > /dev/null
      archive_volume "$store"
      ;;
    volume)
      archive_volume "$store"
      ;;
    *)
      usage
      ;;
  esac
done

find "$root" -mindepth 1 -maxdepth 1 -type d -mtime +"$retention" -exec rm -rf {} +
echo "slipway-backup: $environment backed up to $target"
`;

/**
 * The update agent's step: when a release newer than the installed one waits in incoming/ (put
 * there by this playbook or by a fetcher), hand it to the INSTALLED update.sh, which checks its
 * signature against the keys the installation already trusts. Nothing newer: nothing to do.
 */
export const updateAgentScript = `#!/usr/bin/env bash
set -euo pipefail
environment=$1
root=\${SLIPWAY_ROOT:-/opt/slipway/$environment}
incoming=$root/incoming
[ -f "$incoming/release.json" ] && [ -f "$root/state/installed.json" ] || exit 0
waiting=$(jq -r '.sequence' "$incoming/release.json")
installed=$(jq -r '.sequence // 0' "$root/state/installed.json")
if [ "$waiting" -le "$installed" ]; then
  exit 0
fi
exec "$root/current/update.sh" "$incoming/release.json" "$incoming/release.json.sig" "$incoming/bundle.zip"
`;

/** The update agent: applies a newer waiting release for the instance (environment) it is started as. */
export const updateService = `[Unit]
Description=Slipway update agent for %i
Wants=network-online.target docker.service
After=network-online.target docker.service

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/slipway-update-agent %i
`;

export const updateTimer = `[Unit]
Description=Run the Slipway update agent for %i every hour

[Timer]
OnBootSec=15min
OnUnitActiveSec=1h
RandomizedDelaySec=10min
Persistent=true

[Install]
WantedBy=timers.target
`;
