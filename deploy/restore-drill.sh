#!/usr/bin/env bash
# Restore drill: prove the latest backup restores and its money reconciles.
#   BACKUP_DIR=/var/backups/utilityclerk deploy/restore-drill.sh
# Restores the newest utilityclerk-*.dump into a scratch database on the same server
# (DRILL_DATABASE_URL, default postgres:///utilityclerk_restore_drill; it is dropped and
# made again), checks its schema is the code's (no migration missing), runs
# `manage.py reconcile` on it, prints the figures, and drops it (KEEP_DRILL_DATABASE=1 keeps
# it). Exits non-zero when any step fails. Run it monthly, and after every PostgreSQL upgrade.
set -euo pipefail
cd "$(dirname "$0")/.."
BACKUP_DIR="${BACKUP_DIR:-/var/backups/utilityclerk}"
DRILL_DATABASE_URL="${DRILL_DATABASE_URL:-postgres:///utilityclerk_restore_drill}"
PYTHON="${PYTHON:-.venv/bin/python}"

latest="$(ls -1t "$BACKUP_DIR"/utilityclerk-*.dump 2>/dev/null | head -n 1 || true)"
[ -n "$latest" ] || { echo "restore drill: no utilityclerk-*.dump in $BACKUP_DIR" >&2; exit 1; }
name="${DRILL_DATABASE_URL##*/}"
name="${name%%\?*}"
case "$name" in
    *drill*) ;;
    *) echo "restore drill: the scratch database's name must contain 'drill' ($name)" >&2; exit 1 ;;
esac
server="${DRILL_DATABASE_URL%/*}/postgres"

echo "restore drill: $latest -> $name"
started=$(date +%s)
psql -q -v ON_ERROR_STOP=1 "$server" -c "DROP DATABASE IF EXISTS \"$name\"" \
    -c "CREATE DATABASE \"$name\""
pg_restore --no-owner --no-privileges --exit-on-error --dbname="$DRILL_DATABASE_URL" "$latest"
restored=$(date +%s)

export DATABASE_URL="$DRILL_DATABASE_URL" DEBUG=0 LOG_LEVEL=WARNING
export SECRET_KEY="${SECRET_KEY:-restore-drill-only-not-a-real-key}"
"$PYTHON" manage.py migrate --check >/dev/null \
    || { echo "restore drill: the backup's schema lacks migrations the code has" >&2; exit 1; }
"$PYTHON" manage.py reconcile
figures="$(psql -At "$DRILL_DATABASE_URL" -c "SELECT
    (SELECT COUNT(*) FROM payments_payment) || ' receipts, ' ||
    (SELECT COUNT(*) FROM accounts_ledgerentry) || ' ledger entries, ' ||
    (SELECT COUNT(*) FROM accounts_account) || ' accounts, last receipt day ' ||
    COALESCE((SELECT MAX(business_date)::text FROM payments_payment), 'none')")"
echo "restore drill: restored in $(( restored - started )) s, reconciled in" \
     "$(( $(date +%s) - restored )) s; $(du -h "$latest" | cut -f1) dump; $figures"

if [ "${KEEP_DRILL_DATABASE:-0}" != "1" ]; then
    psql -q "$server" -c "DROP DATABASE \"$name\""
fi
echo "restore drill: passed"
