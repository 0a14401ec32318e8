#!/usr/bin/env bash
# First install of a Slipway bundle on a Docker Compose host.
#
#   unzip <env>-<release>.zip -d bundle && SOPS_AGE_KEY_FILE=/path/to/age.key bundle/install.sh \
#     [--manifest release.json --signature release.json.sig --zip <env>-<release>.zip]
#
# Checks the host, checks every file against bundle.json (and, given the release files from the
# deploy repository, the manifest's signature and the zip's digest), decrypts the secrets into
# per-service env files (mode 0600), starts the runtime, runs the migration and seed jobs, waits
# for every health check and records the install. Later releases go through update.sh.
# Started as `sh install.sh`? These scripts need bash: hand over before any bash syntax is read.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -Eeuo pipefail
umask 022

HERE=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$HERE/lib.sh"

usage() {
  printf 'usage: %s [--manifest release.json --signature release.json.sig --zip BUNDLE.zip]\n' "$0" >&2
  exit 2
}

MANIFEST=""
SIGNATURE=""
ZIP=""
while [ $# -gt 0 ]; do
  case $1 in
    --manifest | --signature | --zip) [ $# -ge 2 ] || usage ;;
    *) usage ;;
  esac
  case $1 in
    --manifest) MANIFEST=$2 ;;
    --signature) SIGNATURE=$2 ;;
    --zip) ZIP=$2 ;;
  esac
  shift 2
done

command -v jq >/dev/null 2>&1 || {
  echo "slipway: jq is required on this host" >&2
  exit 1
}
load_bundle "$HERE"
require_tools sha256sum openssl sops flock base64
verify_files "$HERE"
log "every file of the bundle matches bundle.json"

SEQUENCE=0
MANIFEST_SHA256=""
if [ -n "$MANIFEST$SIGNATURE$ZIP" ]; then
  if [ -z "$MANIFEST" ] || [ -z "$SIGNATURE" ] || [ -z "$ZIP" ]; then usage; fi
  verify_release "$MANIFEST" "$SIGNATURE" "$ZIP" "$HERE/keys"
  [ "$MANIFEST_RELEASE" = "$RELEASE" ] || die "release.json is for release $MANIFEST_RELEASE, this bundle is $RELEASE"
  SEQUENCE=$MANIFEST_SEQUENCE
else
  log "warning: no release.json given; the bundle is checked against bundle.json only, not against a signature"
fi

lock_installation
[ ! -e "$STATE/installed.json" ] || die "$ENVIRONMENT is already installed in $ROOT; apply new releases with $ROOT/current/update.sh"
install -d -m 755 "$RELEASES"
install -d -m 700 "$STATE" "$ROOT/backups"
make_shared

ID=$(bundle_id "$HERE")
TARGET=$RELEASES/$ID
rm -rf "$TARGET"
install -d -m 755 "$TARGET"
while IFS=$'\t' read -r path mode; do
  [[ $path =~ $PATH_PATTERN && $mode =~ ^0[0-7]{3}$ ]] || die "bundle.json lists an unsafe entry"
  install -D -m "$mode" "$HERE/$path" "$TARGET/$path"
done < <(jq -r '.files[] | [.path, .mode] | @tsv' "$HERE/bundle.json")
install -m 644 "$HERE/bundle.json" "$TARGET/bundle.json"

prepare_release "$TARGET"
ensure_certificate "$TARGET"
switch_current "$ID"

log "pulling images"
compose "$TARGET" pull --quiet
docker pull --quiet "$TOOLS_IMAGE" >/dev/null
log "starting $PROJECT"
compose "$TARGET" up --detach --remove-orphans
wait_one_shots "$TARGET" || die "a migration, seed or setup job failed; inspect with: docker compose --project-name $PROJECT logs"
wait_healthy "$TARGET" || die "the runtime did not become healthy; inspect with: docker compose --project-name $PROJECT ps"
record_install "$ID" "$SEQUENCE" "$MANIFEST_SHA256" ""
log "installed $ENVIRONMENT release $RELEASE in $ROOT"
