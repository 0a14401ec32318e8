#!/usr/bin/env bash
# Applies a new signed release to an installed Slipway bundle. Run the update.sh of the INSTALLED
# release, so the new release is judged by the keys the installation already trusts:
#
#   /opt/slipway/<env>/current/update.sh release.json release.json.sig <env>-<release>.zip
#
# verify (signature against the installed keys, the zip's sha256 and size from the manifest,
# a sequence newer than the installed one, every file against bundle.json) → stage (decrypt
# secrets, pull images) → maintenance mode on → back up databases and volumes → apply → migrate
# → health checks → maintenance mode off. Any failure after maintenance mode is on restores the
# backup and brings the previous release back; the failed release is kept for inspection.
# Started as `sh update.sh`? These scripts need bash: hand over before any bash syntax is read.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -Eeuo pipefail
umask 022

HERE=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$HERE/lib.sh"

[ $# -eq 3 ] || {
  printf 'usage: %s release.json release.json.sig BUNDLE.zip\n' "$0" >&2
  exit 2
}
NEW_MANIFEST=$1
NEW_SIGNATURE=$2
NEW_ZIP=$3

command -v jq >/dev/null 2>&1 || {
  echo "slipway: jq is required on this host" >&2
  exit 1
}
load_bundle "$HERE"
require_tools sha256sum openssl sops flock base64 unzip
[ -f "$STATE/installed.json" ] || die "$ENVIRONMENT is not installed in $ROOT; run install.sh first"
[ "$(readlink -f "$ROOT/current")" = "$HERE" ] || die "run the update.sh of the installed release: $ROOT/current/update.sh"
lock_installation

OLD_DIR=$HERE
OLD_ID=$(basename "$OLD_DIR")
if [ -z "${SOPS_AGE_KEY_FILE:-}${SOPS_AGE_KEY:-}" ]; then
  SOPS_AGE_KEY_FILE=$(jq -r '.sopsAgeKeyFile // ""' "$STATE/installed.json")
  export SOPS_AGE_KEY_FILE
fi

PHASE=verify
NEW_DIR=""
NEW_ID=""
STAGING=""
BACKUP_DIR=""

rollback() {
  log "update to ${NEW_ID:-the new release} failed during $PHASE; bringing back $OLD_ID"
  case $PHASE in
    apply | migrate | health)
      compose "$NEW_DIR" down --remove-orphans || log "warning: could not stop every container of $NEW_ID"
      restore_volumes "$BACKUP_DIR" || log "warning: restoring volumes from $BACKUP_DIR failed"
      switch_current "$OLD_ID"
      ;;
  esac
  if compose "$OLD_DIR" up --detach --remove-orphans && wait_one_shots "$OLD_DIR" && wait_healthy "$OLD_DIR"; then
    maintenance_off
    log "rolled back to $OLD_ID; the failed release stays in ${NEW_DIR:-its staging folder} for inspection"
  else
    log "ROLLBACK DID NOT BECOME HEALTHY: maintenance mode stays on; the backup is in ${BACKUP_DIR:-(none)}"
  fi
}

on_exit() {
  local status=$?
  [ -z "$STAGING" ] || rm -rf "$STAGING"
  [ "$status" -ne 0 ] || return 0
  trap - EXIT
  set +e
  case $PHASE in
    verify | stage) log "update stopped before anything changed" ;;
    *) rollback ;;
  esac
  exit "$status"
}
trap on_exit EXIT
trap 'exit 130' INT TERM

# 1. verify: the chain of trust runs from the keys installed with the current release.
verify_release "$NEW_MANIFEST" "$NEW_SIGNATURE" "$NEW_ZIP" "$OLD_DIR/keys"
INSTALLED_SEQUENCE=$(jq -r '.sequence // 0' "$STATE/installed.json")
[ "$MANIFEST_SEQUENCE" -gt "$INSTALLED_SEQUENCE" ] ||
  die "release.json has sequence $MANIFEST_SEQUENCE, not newer than the installed $INSTALLED_SEQUENCE (a replayed or older release)"
while IFS= read -r entry; do
  [ "$entry" = bundle.json ] && continue
  jq -e --arg path "$entry" 'any(.files[]; .path == $path)' <(unzip -p "$NEW_ZIP" bundle.json) >/dev/null ||
    die "the bundle holds $entry, which its bundle.json does not list"
done < <(unzip -Z1 "$NEW_ZIP")
STAGING=$(mktemp -d "$RELEASES/.incoming.XXXXXX")
unzip -q "$NEW_ZIP" -d "$STAGING"
verify_files "$STAGING"
[ "$(jq -r '.environment' "$STAGING/bundle.json")" = "$ENVIRONMENT" ] || die "the bundle is not for $ENVIRONMENT"
[ "$(jq -r '.release' "$STAGING/bundle.json")" = "$MANIFEST_RELEASE" ] || die "the bundle's release differs from release.json's"
[ "$(jq -r '.runtime.project' "$STAGING/bundle.json")" = "$PROJECT" ] || die "the bundle names another Compose project"

# 2. stage: everything that can fail without touching the running release.
PHASE=stage
NEW_ID=$(bundle_id "$STAGING")
[ "$NEW_ID" != "$OLD_ID" ] || die "release $NEW_ID is already installed"
NEW_DIR=$RELEASES/$NEW_ID
rm -rf "$NEW_DIR"
chmod 755 "$STAGING"
mv "$STAGING" "$NEW_DIR"
STAGING=""
prepare_release "$NEW_DIR"
log "pulling images of $NEW_ID"
compose "$NEW_DIR" pull --quiet
docker pull --quiet "$(jq -er '.runtime.toolsImage' "$NEW_DIR/bundle.json")" >/dev/null

# 3. maintenance mode: the proxy answers 503 while the data is backed up and migrated.
PHASE=maintenance
maintenance_on
log "maintenance mode on"

# 4. backup
PHASE=backup
BACKUP_DIR=$BACKUPS/$(date -u +%Y%m%dT%H%M%SZ)-$OLD_ID
backup_data "$OLD_DIR" "$BACKUP_DIR"

# 5. apply: Compose starts the stores, then the one-shot migration and seed, then the services.
PHASE=apply
switch_current "$NEW_ID"
compose "$NEW_DIR" up --detach --remove-orphans

# 6. migrate
PHASE=migrate
wait_one_shots "$NEW_DIR"

# 7. health checks
PHASE=health
wait_healthy "$NEW_DIR"

# 8. finish
PHASE=finish
maintenance_off
RELEASE=$(jq -er '.release' "$NEW_DIR/bundle.json")
record_install "$NEW_ID" "$MANIFEST_SEQUENCE" "$MANIFEST_SHA256" "$OLD_ID"
log "maintenance mode off; $ENVIRONMENT runs release $RELEASE ($NEW_ID), previous release $OLD_ID kept"
for dir in "$RELEASES"/*/; do
  dir=${dir%/}
  case $(basename "$dir") in "$NEW_ID" | "$OLD_ID") ;; *) rm -rf "$dir" ;; esac
done
mapfile -t backups < <(find "$BACKUPS" -mindepth 1 -maxdepth 1 -type d | sort -r)
for old in "${backups[@]:${SLIPWAY_KEEP_BACKUPS:-2}}"; do rm -rf "$old"; done
