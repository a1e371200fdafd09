#!/usr/bin/env bash
# Writes the secrets docker-compose.yml requires (it refuses to start without them) into .env beside it:
# random values, made once. A value already in the file stays; only missing (or empty) ones are added.
# The file is the owner's only (0600); no value is ever printed.
#   bash tools/compose/secrets.sh            # .env at the repository's root, where compose reads it
#   bash tools/compose/secrets.sh FILE       # another file (e.g. docker compose --env-file FILE)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
file=${1:-$repo/.env}
umask 077

# 32 random bytes as 64 hex digits: URL-safe (POSTGRES_PASSWORD goes into DATABASE_URL) and the format of XERO_TOKEN_KEY and POLLER_CREDENTIALS_KEY.
random_hex() { od -An -tx1 -N32 /dev/urandom | tr -d ' \n'; }

# The names docker-compose.yml requires with ${NAME:?...}; tools/compose/compose.spec.ts holds the two lists equal.
value_of() {
  case "$1" in
    # A viewer and an operator key of the compose file's brand (uk, set up by its setup one-shot), and the admin's.
    MONITOR_BOOTSTRAP_KEYS) printf 'viewer@uk:%s,operator@uk:%s,admin:%s' "$(random_hex)" "$(random_hex)" "$(random_hex)" ;;
    *) random_hex ;;
  esac
}
names=(
  POSTGRES_PASSWORD
  GRAFANA_ADMIN_PASSWORD
  LNB_CLIENT_SECRET
  XERO_CLIENT_SECRET
  XERO_SANDBOX_AUTHCODE_CLIENT_SECRET
  XERO_TOKEN_KEY
  EXPORTER_SERVICE_TOKEN
  POLLER_SERVICE_TOKEN
  POLLER_CREDENTIALS_KEY
  METRICS_TOKEN
  MONITOR_BOOTSTRAP_KEYS
  LNB_SANDBOX_ADMIN_TOKEN
  XERO_SANDBOX_ADMIN_TOKEN
)

mkdir -p "$(dirname "$file")"
[ -e "$file" ] || : >"$file"
# A file made before (by hand, or with a looser umask) is narrowed too.
chmod 600 "$file"

has_value() { grep -Eq "^[[:space:]]*$1=[^[:space:]]" "$file"; }

added=()
for name in "${names[@]}"; do
  has_value "$name" && continue
  # An empty assignment would win over the line added below in some readers: drop it first.
  if grep -Eq "^[[:space:]]*$name=" "$file"; then
    grep -Ev "^[[:space:]]*$name=" "$file" >"$file.tmp" || true
    mv -f "$file.tmp" "$file"
  fi
  [ -s "$file" ] && [ -n "$(tail -c1 "$file")" ] && printf '\n' >>"$file"
  printf '%s=%s\n' "$name" "$(value_of "$name")" >>"$file"
  added+=("$name")
done

if [ ${#added[@]} -eq 0 ]; then
  printf '[secrets] %s already holds every secret docker-compose.yml needs\n' "$file" >&2
else
  printf '[secrets] added to %s (0600): %s\n' "$file" "${added[*]}" >&2
fi
