#!/usr/bin/env bash
# Nightly logical backup of the UtilityClerk database (systemd: utilityclerk-backup.timer).
#   DATABASE_URL=postgres://... BACKUP_DIR=/var/backups/utilityclerk deploy/backup.sh
# Writes utilityclerk-<UTC time>.dump (pg_dump custom format), checks it can be read back,
# and keeps BACKUP_KEEP_DAYS days of them. Copy BACKUP_DIR off the machine (the README says
# how this fits with point-in-time recovery).
set -euo pipefail
: "${DATABASE_URL:?set DATABASE_URL to the database to back up}"
BACKUP_DIR="${BACKUP_DIR:-/var/backups/utilityclerk}"
BACKUP_KEEP_DAYS="${BACKUP_KEEP_DAYS:-35}"

mkdir -p "$BACKUP_DIR"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
partial="$BACKUP_DIR/.utilityclerk-$stamp.dump.partial"
final="$BACKUP_DIR/utilityclerk-$stamp.dump"
trap 'rm -f "$partial"' EXIT

started=$(date +%s)
pg_dump --format=custom --compress=6 --no-owner --no-privileges \
    --dbname="$DATABASE_URL" --file="$partial"
# A dump whose table of contents cannot be read is no backup: fail loudly, keep the old ones.
pg_restore --list "$partial" >/dev/null
mv "$partial" "$final"
find "$BACKUP_DIR" -maxdepth 1 -name 'utilityclerk-*.dump' -mtime +"$BACKUP_KEEP_DAYS" -delete

echo "backup: $final ($(du -h "$final" | cut -f1), $(( $(date +%s) - started )) s)"
