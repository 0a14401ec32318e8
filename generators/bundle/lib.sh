# shellcheck shell=bash
# Slipway bundle library: sourced by install.sh and update.sh, never run on its own.
#
# Nothing in these scripts is generated per target: every value comes from bundle.json (written
# by Slipway and covered by the signed release manifest), from the installation's own state
# files, or from the operator's environment. Layout on the host (SLIPWAY_ROOT, by default
# /opt/slipway/<environment>):
#
#   releases/<release>-<id>/  one unpacked bundle each: the installed one and the previous one
#   current -> releases/…     the release Compose runs from
#   shared/{tls,acme,maintenance}/  mounted into the edge proxy; releases link to it as ./shared
#   state/                    installed.json, history.log, infra.env, generated.env (mode 0700)
#   backups/<time>/           database dumps and volume archives taken before each update
#
# shellcheck disable=SC2034 # the globals set here (RELEASES, MANIFEST_*, …) are read by the scripts that source this file

readonly NAME_PATTERN='^[a-z][a-z0-9-]{0,62}$'
readonly RELEASE_PATTERN='^[0-9A-Za-z][0-9A-Za-z.+-]{0,63}$'
readonly VARIABLE_PATTERN='^[A-Za-z_][A-Za-z0-9_]*$'
readonly PATH_PATTERN='^[A-Za-z0-9_][A-Za-z0-9._-]*(/[A-Za-z0-9_][A-Za-z0-9._-]*)?$'
HEALTH_TIMEOUT=${SLIPWAY_HEALTH_TIMEOUT:-600}
ENVIRONMENT=${ENVIRONMENT:-}

log() { printf '%s slipway[%s]: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "${ENVIRONMENT:-?}" "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

require_tools() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is required on this host but is not on PATH"
  done
  docker compose version >/dev/null 2>&1 || die "Docker Compose v2 (the 'docker compose' plugin) is required"
}

# load_bundle DIR: the target's identity and the installation's folders, from DIR/bundle.json.
load_bundle() {
  local dir=$1
  jq -e '.kind == "SlipwayBundle"' "$dir/bundle.json" >/dev/null 2>&1 || die "$dir/bundle.json is not a Slipway bundle description"
  ENVIRONMENT=$(jq -er '.environment' "$dir/bundle.json")
  RELEASE=$(jq -er '.release' "$dir/bundle.json")
  PROJECT=$(jq -er '.runtime.project' "$dir/bundle.json")
  PROXY=$(jq -r '.runtime.proxy // ""' "$dir/bundle.json")
  TOOLS_IMAGE=$(jq -er '.runtime.toolsImage' "$dir/bundle.json")
  [[ $ENVIRONMENT =~ $NAME_PATTERN ]] || die "bundle.json names an invalid environment"
  [[ $RELEASE =~ $RELEASE_PATTERN ]] || die "bundle.json names an invalid release"
  [[ $PROJECT =~ $NAME_PATTERN ]] || die "bundle.json names an invalid Compose project"
  [[ -z $PROXY || $PROXY =~ $NAME_PATTERN ]] || die "bundle.json names an invalid proxy service"
  ROOT=${SLIPWAY_ROOT:-/opt/slipway/$ENVIRONMENT}
  STATE=$ROOT/state
  SHARED=$ROOT/shared
  RELEASES=$ROOT/releases
  BACKUPS=$ROOT/backups
}

# bundle_id DIR: the folder name a bundle is kept under: its release and a digest of its contents.
bundle_id() {
  local release digest
  release=$(jq -er '.release' "$1/bundle.json")
  [[ $release =~ $RELEASE_PATTERN ]] || die "bundle.json names an invalid release"
  digest=$(sha256sum "$1/bundle.json")
  printf '%s-%s\n' "$release" "${digest:0:12}"
}

# bundle_names DIR FILTER: names (services, volumes) from bundle.json, each checked to be a plain name.
bundle_names() {
  local names name
  names=$(jq -r "$2" "$1/bundle.json") || die "bundle.json lacks $2"
  while IFS= read -r name; do
    [ -n "$name" ] || continue
    [[ $name =~ $NAME_PATTERN ]] || die "bundle.json lists an invalid name in $2"
    printf '%s\n' "$name"
  done <<<"$names"
}

# verify_files DIR: every file bundle.json lists is present with its sha256.
verify_files() {
  local dir=$1 path sha actual
  jq -e '.files | length > 0' "$dir/bundle.json" >/dev/null || die "bundle.json lists no files"
  while IFS=$'\t' read -r path sha; do
    [[ $path =~ $PATH_PATTERN ]] || die "bundle.json lists an unsafe path"
    [ -f "$dir/$path" ] || die "$path is missing from the bundle"
    actual=$(sha256sum "$dir/$path")
    [ "${actual%% *}" = "$sha" ] || die "$path does not match its sha256 in bundle.json"
  done < <(jq -r '.files[] | [.path, .sha256] | @tsv' "$dir/bundle.json")
}

# verify_release MANIFEST SIGNATURE ZIP KEYS: the manifest is signed by one of KEYS/*.pub.pem, is
# this environment's, and lists ZIP with its exact sha256 and size. Sets MANIFEST_SEQUENCE,
# MANIFEST_RELEASE and MANIFEST_SHA256.
verify_release() {
  local manifest=$1 signature=$2 zip=$3 keys=$4 raw key trusted="" entry digest size
  raw=$(mktemp)
  if ! base64 -d "$signature" >"$raw" 2>/dev/null; then
    rm -f "$raw"
    die "$signature is not a base64 signature"
  fi
  for key in "$keys"/*.pub.pem; do
    [ -f "$key" ] || continue
    if openssl pkeyutl -verify -pubin -inkey "$key" -rawin -in "$manifest" -sigfile "$raw" >/dev/null 2>&1; then
      trusted=$key
      break
    fi
  done
  rm -f "$raw"
  [ -n "$trusted" ] || die "release.json is not signed by any key this installation trusts ($keys)"
  log "release.json is signed by the trusted key $(basename "$trusted")"
  jq -e --arg environment "$ENVIRONMENT" '.kind == "ReleaseManifest" and .environment == $environment' "$manifest" >/dev/null ||
    die "release.json is not a release of $ENVIRONMENT"
  entry=$(jq -r '[.files[] | select(.path | test("^bundle/[^/]+[.]zip$"))] | if length == 1 then "\(.[0].sha256) \(.[0].size)" else "" end' "$manifest")
  [ -n "$entry" ] || die "release.json does not list exactly one bundle"
  digest=$(sha256sum "$zip")
  size=$(($(wc -c <"$zip")))
  if [ "${digest%% *}" != "${entry% *}" ] || [ "$size" != "${entry#* }" ]; then
    die "$zip is not the bundle release.json lists (sha256 or size differ)"
  fi
  MANIFEST_SEQUENCE=$(jq -er '.sequence | select(type == "number" and . >= 1 and . == floor)' "$manifest") || die "release.json has no valid sequence"
  MANIFEST_RELEASE=$(jq -er '.release' "$manifest")
  digest=$(sha256sum "$manifest")
  MANIFEST_SHA256=${digest%% *}
}

compose() {
  local dir=$1
  shift
  # The environment's override (signed in bundle.json like every file) is merged by Compose itself.
  local files=(--file "$dir/docker-compose.yml")
  if [ -f "$dir/docker-compose.override.yml" ]; then files+=(--file "$dir/docker-compose.override.yml"); fi
  docker compose --project-name "$PROJECT" --project-directory "$dir" "${files[@]}" "$@"
}

switch_current() {
  ln -sfn "releases/$1" "$ROOT/current.next"
  mv -Tf "$ROOT/current.next" "$ROOT/current"
}

# The proxy's workers (not root) must see the flag: world-readable, in a world-readable folder.
maintenance_on() { install -m 644 /dev/null "$SHARED/maintenance/on"; }
maintenance_off() { rm -f "$SHARED/maintenance/on"; }

lock_installation() {
  mkdir -p "$ROOT"
  exec 9>"$ROOT/.lock"
  flock -n 9 || die "another install or update of $ENVIRONMENT is running"
}

# read_env_file FILE ARRAY: NAME=value lines into the associative array named ARRAY.
read_env_file() {
  local file=$1 line
  local -n into=$2
  [ -f "$file" ] || return 0
  while IFS= read -r line || [ -n "$line" ]; do
    [[ -z $line || $line == \#* ]] && continue
    [[ ${line%%=*} =~ $VARIABLE_PATTERN ]] || continue
    # shellcheck disable=SC2034 # a name reference: this fills the caller's array
    into[${line%%=*}]=${line#*=}
  done <"$file"
}

# resolve_infra_secret NAME REFERENCE: the value of a secret the infrastructure holds, or status 1.
# SLIPWAY_INFRA_<NAME> wins; `env:VAR` reads VAR; an AWS Secrets Manager ARN asks the aws CLI.
resolve_infra_secret() {
  local override="SLIPWAY_INFRA_$1" reference=$2 variable
  if [ -n "${!override:-}" ]; then
    printf '%s' "${!override}"
    return 0
  fi
  case $reference in
    env:*)
      variable=${reference#env:}
      [[ $variable =~ $VARIABLE_PATTERN ]] || return 1
      [ -n "${!variable:-}" ] || return 1
      printf '%s' "${!variable}"
      ;;
    arn:aws:secretsmanager:*)
      command -v aws >/dev/null 2>&1 || return 1
      aws secretsmanager get-secret-value --secret-id "$reference" --query SecretString --output text
      ;;
    *) return 1 ;;
  esac
}

# write_env_files DIR: decrypt DIR/secrets.sops.env into DIR/secrets.env (0600), add the
# infrastructure's and the install-time secrets, and write DIR/env/<service>.env with exactly
# the variables bundle.json gives each service.
write_env_files() {
  local dir=$1 name from reference value service bytes previous_umask
  local -A pool=() stored=() generated=()
  previous_umask=$(umask)
  umask 077
  mkdir -p "$STATE"
  if jq -e '.runtime.encryptedEnvFile != null' "$dir/bundle.json" >/dev/null; then
    [ -n "${SOPS_AGE_KEY_FILE:-}${SOPS_AGE_KEY:-}" ] || die "set SOPS_AGE_KEY_FILE to an age identity that is a recipient of secrets.sops.env"
    sops --decrypt --input-type dotenv --output-type dotenv "$dir/secrets.sops.env" >"$dir/secrets.env" ||
      die "sops could not decrypt secrets.sops.env (is the age identity one of its recipients?)"
    chmod 600 "$dir/secrets.env"
    read_env_file "$dir/secrets.env" pool
  fi

  read_env_file "$STATE/infra.env" stored
  while IFS=$'\t' read -r name reference; do
    [[ $name =~ $VARIABLE_PATTERN ]] || die "bundle.json lists an invalid secret name"
    if value=$(resolve_infra_secret "$name" "$reference"); then
      stored[$name]=$value
    elif [[ ! -v stored[$name] ]]; then
      die "no value for $name (${reference:-no reference}): set SLIPWAY_INFRA_$name, or make the reference resolvable on this host"
    fi
    pool[$name]=${stored[$name]}
  done < <(jq -r '.runtime.secrets.infra[] | [.name, (.reference // "")] | @tsv' "$dir/bundle.json")
  : >"$STATE/infra.env.next"
  for name in "${!stored[@]}"; do printf '%s=%s\n' "$name" "${stored[$name]}" >>"$STATE/infra.env.next"; done
  mv -f "$STATE/infra.env.next" "$STATE/infra.env"

  read_env_file "$STATE/generated.env" generated
  while IFS=$'\t' read -r name bytes; do
    [[ $name =~ $VARIABLE_PATTERN && $bytes =~ ^[0-9]{1,3}$ ]] || die "bundle.json lists an invalid install-time secret"
    if [[ ! -v generated[$name] ]]; then
      generated[$name]=$(openssl rand -hex "$bytes")
      printf '%s=%s\n' "$name" "${generated[$name]}" >>"$STATE/generated.env"
    fi
    pool[$name]=${generated[$name]}
  done < <(jq -r '.runtime.secrets.install[] | [.name, (.bytes | tostring)] | @tsv' "$dir/bundle.json")

  rm -rf "$dir/env"
  mkdir -m 700 "$dir/env"
  while IFS=$'\t' read -r service index name from; do
    [[ $service =~ $NAME_PATTERN && $index =~ ^[0-9]{1,4}$ && $name =~ $VARIABLE_PATTERN && $from =~ $VARIABLE_PATTERN ]] || die "bundle.json lists an invalid env file entry"
    [[ -v pool[$from] ]] || die "the secret $from that $service needs has no value"
    # A URL form: the secret percent-encoded between the parts bundle.json gives (jq's @uri keeps only A-Z a-z 0-9 - _ . ~).
    value=$(jq -r --arg service "$service" --argjson index "$index" --arg secret "${pool[$from]}" \
      '.runtime.envFiles[$service][$index] | if .url then .url.before + ($secret | @uri) + .url.after else $secret end' "$dir/bundle.json") ||
      die "bundle.json's entry $name of $service cannot be read"
    [[ $value != *"'"* && $value != *$'\n'* ]] || die "the value of $name cannot go into a Compose env file (it holds a quote or a newline)"
    # Single quotes: Compose takes the value literally, without interpolating `$`.
    printf "%s='%s'\n" "$name" "$value" >>"$dir/env/$service.env"
  done < <(jq -r '.runtime.envFiles | to_entries[] | .key as $service | .value | to_entries[] | [$service, (.key | tostring), .value.name, .value.from] | @tsv' "$dir/bundle.json")
  umask "$previous_umask"
}

# prepare_release DIR: everything a release folder needs before Compose can run it.
prepare_release() {
  ln -sfn "$SHARED" "$1/shared"
  write_env_files "$1"
}

# make_shared: the folders the edge proxy mounts, readable by its unprivileged workers.
make_shared() {
  install -d -m 755 "$SHARED" "$SHARED/tls" "$SHARED/acme" "$SHARED/maintenance"
}

# ensure_certificate DIR: a self-signed placeholder until the operator installs a real certificate.
ensure_certificate() {
  local name
  [ -n "$PROXY" ] || return 0
  [ -s "$SHARED/tls/fullchain.pem" ] && [ -s "$SHARED/tls/privkey.pem" ] && return 0
  name=$(jq -r '.domain // "localhost"' "$1/bundle.json")
  [[ $name =~ ^[A-Za-z0-9.-]{1,253}$ ]] || name=localhost
  openssl req -x509 -newkey rsa:2048 -nodes -days 90 -subj "/CN=$name" \
    -keyout "$SHARED/tls/privkey.pem" -out "$SHARED/tls/fullchain.pem" >/dev/null 2>&1 ||
    die "could not create a placeholder certificate"
  chmod 600 "$SHARED/tls/privkey.pem"
  log "warning: HTTPS uses a self-signed placeholder certificate; put your certificate in $SHARED/tls/{fullchain,privkey}.pem"
}

# wait_one_shots DIR: the migration, seed and bucket jobs ran to completion with status 0.
wait_one_shots() {
  local dir=$1 service id state deadline=$((SECONDS + HEALTH_TIMEOUT))
  while IFS= read -r service; do
    while :; do
      id=$(compose "$dir" ps --all --quiet "$service" | head -n 1)
      state=""
      [ -z "$id" ] || state=$(docker inspect --format '{{.State.Status}} {{.State.ExitCode}}' "$id")
      case $state in
        "exited 0")
          log "$service completed"
          break
          ;;
        exited* | dead*)
          log "$service failed ($state); see: docker logs $id"
          return 1
          ;;
      esac
      if ((SECONDS >= deadline)); then
        log "$service did not finish within ${HEALTH_TIMEOUT}s"
        return 1
      fi
      sleep 3
    done
  done < <(bundle_names "$dir" '.runtime.oneShots[].service')
}

# wait_healthy DIR: every container of every service with a health check reports healthy.
wait_healthy() {
  local dir=$1 service id status pending containers deadline=$((SECONDS + HEALTH_TIMEOUT))
  local -a services
  mapfile -t services < <(bundle_names "$dir" '.runtime.healthChecked[]')
  while :; do
    pending=""
    for service in "${services[@]}"; do
      containers=0
      while IFS= read -r id; do
        [ -n "$id" ] || continue
        containers=$((containers + 1))
        status=$(docker inspect --format '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}' "$id")
        [ "$status" = healthy ] || pending="$pending $service($status)"
      done < <(compose "$dir" ps --quiet "$service")
      [ "$containers" -gt 0 ] || pending="$pending $service(absent)"
    done
    if [ -z "$pending" ]; then
      log "all ${#services[@]} health-checked services are healthy"
      return 0
    fi
    if ((SECONDS >= deadline)); then
      log "not healthy after ${HEALTH_TIMEOUT}s:$pending"
      return 1
    fi
    sleep 5
  done
}

# backup_data DIR DEST: logical dumps of the embedded databases, then (with everything but the
# proxy stopped, so the files are consistent) an archive of every named volume.
backup_data() {
  local dir=$1 dest=$2 service type volume
  local -a stopping
  mkdir -p "$dest"
  chmod 700 "$dest"
  while IFS=$'\t' read -r service type; do
    [[ $service =~ $NAME_PATTERN ]] || die "bundle.json lists an invalid database service"
    # shellcheck disable=SC2016 # expanded by the shell inside the database container, from its own environment
    case $type in
      postgres) compose "$dir" exec -T "$service" sh -c 'exec pg_dump --username="$POSTGRES_USER" --dbname="$POSTGRES_DB" --format=custom' >"$dest/$service.pgdump" ;;
      mysql) compose "$dir" exec -T "$service" sh -c 'MYSQL_PWD="$MYSQL_PASSWORD" exec mysqldump --user="$MYSQL_USER" --single-transaction --routines --triggers "$MYSQL_DATABASE"' >"$dest/$service.sql" ;;
      *) die "bundle.json lists a database of unknown type" ;;
    esac
    log "dumped $service ($type)"
  done < <(jq -r '.runtime.databases[] | [.service, .type] | @tsv' "$dir/bundle.json")
  mapfile -t stopping < <(bundle_names "$dir" '.runtime.services[]' | grep -vxF -- "${PROXY:-/}")
  [ "${#stopping[@]}" -eq 0 ] || compose "$dir" stop "${stopping[@]}"
  while IFS= read -r volume; do
    docker run --rm --volume "${PROJECT}_${volume}:/volume:ro" --volume "$dest:/backup" "$TOOLS_IMAGE" \
      tar -C /volume -czf "/backup/$volume.tar.gz" .
    log "archived volume $volume"
  done < <(bundle_names "$dir" '.runtime.volumes[]')
}

# restore_volumes SOURCE: every volume archived in SOURCE back to exactly its archived content.
restore_volumes() {
  local source=$1 archive volume
  for archive in "$source"/*.tar.gz; do
    [ -f "$archive" ] || continue
    volume=$(basename "$archive" .tar.gz)
    [[ $volume =~ $NAME_PATTERN ]] || continue
    # shellcheck disable=SC2016 # $1 is the volume name, passed as an argument to the container's shell
    docker run --rm --volume "${PROJECT}_${volume}:/volume" --volume "$source:/backup:ro" "$TOOLS_IMAGE" \
      sh -c 'find /volume -mindepth 1 -delete && tar -C /volume -xzf "/backup/$1.tar.gz"' restore "$volume"
    log "restored volume $volume"
  done
}

# record_install ID SEQUENCE MANIFEST-SHA256 PREVIOUS-ID: installed.json and one history line.
record_install() {
  jq -n --arg environment "$ENVIRONMENT" --arg release "$RELEASE" --arg bundle "$1" --argjson sequence "$2" \
    --arg manifest "$3" --arg previous "$4" --arg at "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --arg keyFile "${SOPS_AGE_KEY_FILE:-}" \
    '{environment: $environment, release: $release, bundle: $bundle, sequence: $sequence,
      manifestSha256: (if $manifest == "" then null else $manifest end),
      previous: (if $previous == "" then null else $previous end), installedAt: $at,
      sopsAgeKeyFile: (if $keyFile == "" then null else $keyFile end)}' >"$STATE/installed.json.next"
  mv -f "$STATE/installed.json.next" "$STATE/installed.json"
  jq -c '.' "$STATE/installed.json" >>"$STATE/history.log"
}
