# shellcheck shell=bash
# Finds or provisions the project's Python 3.14 and makes virtual environments with it.
#
# Sourced (not run) by scripts/setup and scripts/e2e-latest from the repository root. The interpreter
# is, in order: $PYTHON, a python3.14 on PATH, or a private copy provisioned into .python/ from
# Debian unstable's packages (nothing on the system is changed), downloaded from the Debian archive
# that the machine's own apt sources name. $APT_SOURCES_DIR (default /etc/apt) is where those are read.

PROVISION_DIR="$PWD/.python"
MIN_VERSION="3.14.2"
DEBIAN_PACKAGES=(
  python3.14 python3.14-minimal libpython3.14-minimal libpython3.14-stdlib python3.14-venv
  python3-pip-whl python3-setuptools-whl
  libc6 libgcc-s1 libbz2-1.0 libexpat1 libffi8 liblzma5 libncursesw6 libtinfo6 libreadline8t64
  libsqlite3-0 libssl3t64 libuuid1 libzstd1 zlib1g libdb5.3t64 media-types
)
# Suites of the Debian archive itself: not -updates, -security or -backports, nor another distribution's.
DEBIAN_SUITES=(buster bullseye bookworm trixie forky duke sid oldoldstable oldstable stable testing unstable)

log() { printf '==> %s\n' "$*"; }

version_ok() {
  "$1" -c "import sys; v = tuple(int(p) for p in '$MIN_VERSION'.split('.')); sys.exit(0 if sys.version_info[:3] >= v and sys.version_info[:2] == (3, 14) else 1)" 2>/dev/null
}

# Prints "URI SUITE" for every binary package source configured in $APT_SOURCES_DIR, one-line
# (sources.list, sources.list.d/*.list) and deb822 (sources.list.d/*.sources) formats alike.
apt_deb_sources() {
  local dir="${APT_SOURCES_DIR:-/etc/apt}" file
  for file in "$dir/sources.list" "$dir"/sources.list.d/*.list; do
    [ -f "$file" ] || continue
    # deb [option=value ...] URI SUITE [COMPONENT ...]
    sed -e 's/#.*//' -e 's/\[[^]]*\]//g' "$file" | awk '$1 == "deb" && NF >= 3 { print $2, $3 }'
  done
  for file in "$dir"/sources.list.d/*.sources; do
    [ -f "$file" ] || continue
    awk '
      function flush(    uri, suite, i, j) {
        if ((" " types " ") ~ / deb / && tolower(enabled) != "no") {
          split(uris, uri, " ")
          split(suites, suite, " ")
          for (i = 1; i in uri; i++) for (j = 1; j in suite; j++) print uri[i], suite[j]
        }
        types = ""; uris = ""; suites = ""; enabled = ""; field = ""
      }
      /^#/ { next }
      /^[ \t]*$/ { flush(); next }
      /^[ \t]/ {
        if (field == "uris") uris = uris " " $0
        if (field == "suites") suites = suites " " $0
        next
      }
      {
        colon = index($0, ":")
        field = tolower(substr($0, 1, colon - 1))
        value = substr($0, colon + 1)
        gsub(/[ \t]+/, " ", value)
        if (field == "types") types = value
        if (field == "uris") uris = value
        if (field == "suites") suites = value
        if (field == "enabled") { enabled = value; gsub(/ /, "", enabled) }
      }
      END { flush() }
    ' "$file"
  done
}

# Prints "URI SUITE" of the first configured Debian archive entry for a release (such as
# "http://deb.debian.org/debian bookworm"), or nothing when there is none.
debian_archive_source() {
  local suites=" ${DEBIAN_SUITES[*]} " codename="" uri suite
  if [ -r /etc/os-release ]; then
    codename="$(. /etc/os-release && [ "${ID:-}" = debian ] && echo "${VERSION_CODENAME:-}")" || codename=""
  fi
  [ -n "$codename" ] && suites+="$codename "
  while read -r uri suite; do
    case "$uri" in
      http://* | https://*) ;;
      *) continue ;;
    esac
    case "${uri%/}" in
      *://security.debian.org* | */debian-security) continue ;;
    esac
    case "$suites" in
      *" $suite "*)
        echo "$uri $suite"
        return
        ;;
    esac
  done < <(apt_deb_sources)
}

provision_python() {
  local root="$PROVISION_DIR/root" apt_dir="$PROVISION_DIR/apt"
  local python="$root/usr/bin/python3.14"
  if [ -x "$python" ] && version_ok "$python"; then
    echo "$python"
    return
  fi
  local archive uri suite
  archive="$(debian_archive_source)"
  if [ -z "$archive" ]; then
    cat >&2 <<MESSAGE
No Python >= $MIN_VERSION (3.14) was found, and no Debian archive is configured in ${APT_SOURCES_DIR:-/etc/apt}
to provision one from. Do one of these, then run this again:
  - install Python 3.14 so that python3.14 is on PATH;
  - set PYTHON to a Python 3.14 interpreter, for example PYTHON=/usr/local/bin/python3.14;
  - configure a Debian apt source (for example "deb http://deb.debian.org/debian bookworm main").
MESSAGE
    exit 1
  fi
  read -r uri suite <<<"$archive"
  log "No Python 3.14 found: provisioning one from Debian unstable ($uri) into .python/" >&2
  rm -rf "$root" "$apt_dir"
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/debs" "$apt_dir/tools" "$root"
  # patchelf runs here, so it comes from this machine's own release.
  local keyring="/usr/share/keyrings/debian-archive-keyring.gpg" patchelf_suite="$suite"
  echo "deb [signed-by=$keyring] $uri unstable main" >"$apt_dir/sources.list"
  case "$suite" in
    unstable | sid) patchelf_suite=unstable ;;
    *) echo "deb [signed-by=$keyring] $uri $suite main" >>"$apt_dir/sources.list" ;;
  esac
  local apt_options=(
    -o "Dir::Etc::SourceList=$apt_dir/sources.list" -o "Dir::Etc::SourceParts=/nonexistent"
    -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache" -o "Debug::NoLocking=1"
    -o "APT::Sandbox::User=root" -qq
  )
  apt-get "${apt_options[@]}" update >&2
  (cd "$apt_dir/debs" && apt-get "${apt_options[@]}" download "${DEBIAN_PACKAGES[@]}" "patchelf/$patchelf_suite" >&2)
  local deb
  for deb in "$apt_dir"/debs/*.deb; do
    case "$deb" in
      */patchelf_*) dpkg -x "$deb" "$apt_dir/tools" ;;
      *) dpkg -x "$deb" "$root" ;;
    esac
  done
  local libdir="$root/usr/lib/x86_64-linux-gnu"
  "$apt_dir/tools/usr/bin/patchelf" \
    --set-interpreter "$libdir/ld-linux-x86-64.so.2" \
    --force-rpath --set-rpath "$libdir:$root/lib/x86_64-linux-gnu" \
    "$python"
  rm -rf "$apt_dir/debs" "$apt_dir/cache"
  version_ok "$python" || {
    echo "The provisioned interpreter does not run" >&2
    exit 1
  }
  echo "$python"
}

# Prints the path of the project's Python 3.14, provisioning it when needed.
find_python() {
  if [ -n "${PYTHON:-}" ]; then
    version_ok "$PYTHON" || {
      echo "\$PYTHON ($PYTHON) is not Python >= $MIN_VERSION" >&2
      exit 1
    }
    command -v "$PYTHON"
    return
  fi
  if command -v python3.14 >/dev/null 2>&1 && version_ok python3.14; then
    command -v python3.14
    return
  fi
  provision_python
}

# Makes the virtual environment $1 with the interpreter $2, unless a working one is there.
create_venv() {
  local venv="$1" python="$2"
  if [ -x "$venv/bin/python" ] && version_ok "$venv/bin/python" && "$venv/bin/python" -m pip --version >/dev/null 2>&1; then
    return
  fi
  log "Creating $venv with $python"
  rm -rf "$venv"
  if "$python" -m venv "$venv" >/dev/null 2>&1; then
    return
  fi
  # Debian's ensurepip looks for its wheels in the system's /usr/share/python-wheels, which a
  # relocated interpreter (ours in .python/) does not use: bootstrap pip from its own wheels.
  local wheels
  wheels="$(cd "$(dirname "$python")/../share/python-wheels" && pwd)"
  rm -rf "$venv"
  "$python" -m venv --without-pip "$venv"
  local pip_wheel=("$wheels"/pip-*.whl)
  "$venv/bin/python" "${pip_wheel[0]}/pip" install --quiet --no-index --find-links "$wheels" pip
}
