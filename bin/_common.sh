# Shared set-up for bin/serve and bin/test: find Python 3.12+, make the virtualenv,
# install the project, make sure PostgreSQL answers. Sourced, not run.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="$ROOT/.venv"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

find_python() {
    local candidates=()
    [ -n "${PYTHON:-}" ] && candidates+=("$PYTHON")
    if command -v pyenv >/dev/null 2>&1; then
        # The version .python-version names first, then any other 3.12+ pyenv holds.
        local wanted=""
        [ -f "$ROOT/.python-version" ] && wanted="$(head -n1 "$ROOT/.python-version")"
        for v in $(pyenv versions --bare 2>/dev/null | sort -rV); do
            case "$v" in "$wanted"|"$wanted".*) candidates+=("$(pyenv root)/versions/$v/bin/python") ;; esac
        done
        for v in $(pyenv versions --bare 2>/dev/null | sort -rV); do
            candidates+=("$(pyenv root)/versions/$v/bin/python")
        done
    fi
    candidates+=(python3.14 python3.13 python3.12 python3)
    for c in "${candidates[@]}"; do
        if command -v "$c" >/dev/null 2>&1 \
            && "$c" -c 'import sys, venv; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
            command -v "$c"; return 0
        fi
    done
    return 1
}

ensure_venv() {
    local extras="$1"
    if [ ! -x "$VENV/bin/python" ]; then
        local py
        py="$(find_python)" || die "UtilityClerk needs Python 3.12 or newer (Django 6.1 does not run on older).
Install one, for example: 'pyenv install 3.12' or 'apt-get install python3.13 python3.13-venv',
or point PYTHON=/path/to/python3.12 at it, then run this again."
        say "Creating virtualenv with $("$py" --version) in .venv"
        "$py" -m venv "$VENV"
        "$VENV/bin/python" -m pip install --quiet --upgrade pip
    fi
    # Reinstall only when pyproject.toml or the extras asked for change.
    local stamp="$VENV/.installed-${extras:-app}"
    if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
        say "Installing Python packages${extras:+ ($extras)}"
        "$VENV/bin/python" -m pip install --quiet -e ".${extras:+[$extras]}" 2>&1 | grep -v "^WARNING: Location" || true
        "$VENV/bin/python" -c 'import django' || die "package install failed"
        touch "$stamp"
    fi
    export PATH="$VENV/bin:$PATH"
}

ensure_postgres() {
    if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null || pg_isready -q 2>/dev/null; then
        return 0
    fi
    if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
        say "PostgreSQL is installed but not running: starting it"
        pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n1)" main start \
            || die "could not start PostgreSQL; start it yourself and run this again"
        for _ in $(seq 1 20); do pg_isready -q -h 127.0.0.1 -p 5432 && return 0; sleep 0.5; done
        die "PostgreSQL did not come up"
    fi
    die "PostgreSQL 15+ is needed and was not found. Install it (Debian: apt-get install postgresql),
or set DATABASE_URL to a server you can reach, then run this again."
}

# Debian packages WeasyPrint needs at run time (Pango), and the fonts the PDFs use.
APT_RUNTIME=(libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core)

ensure_apt() {
    local missing=()
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        die "missing Debian packages: ${missing[*]}. Install them: sudo apt-get install ${missing[*]}"
    fi
    say "Installing Debian packages: ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}
