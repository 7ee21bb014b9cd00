#!/usr/bin/env bash
# The first step of `make run` and `make test`: what they need before any package registry can
# help — make, Python 3.11+ with venv, Node.js 18+ and npm. All there: prints nothing.
# Something missing: as root (as `make test`'s system-deps does) it installs the Debian package
# with apt-get and checks again; otherwise, or if that fails, it prints ONE line naming the
# missing tools and their Debian packages on stdout and exits 1 (the Makefile stops with it).
# Usage: scripts/prerequisites.sh [PYTHON]   (default python3)
set -u
PYTHON=${1:-python3}

tools=() packages=() notes=()
need() { tools+=("$1"); packages+=("$2"); [ -n "${3:-}" ] && notes+=("$3"); return 0; }

check() {
  tools=() packages=() notes=()
  command -v make >/dev/null || need make make
  if ! command -v "$PYTHON" >/dev/null; then
    need "$PYTHON" python3 "$PYTHON is not on PATH"
  elif ! version=$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null); then
    need "$PYTHON" python3 "$PYTHON does not run"
  elif ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    need "Python 3.11+" python3 "$PYTHON is $version; Debian 12 and Ubuntu 24.04 have 3.11+, or run make PYTHON=python3.11"
  elif ! "$PYTHON" -c 'import ensurepip, venv' 2>/dev/null; then
    # Debian splits venv's pip bootstrap out of python3: `python3 -m venv` fails without it.
    if [ "$(basename "$PYTHON")" = python3 ]; then need "Python venv" python3-venv
    else need "Python venv" "python$version-venv"; fi
  fi
  if ! command -v node >/dev/null; then
    need node nodejs
  elif ! node -e 'process.exit(+process.versions.node.split(".")[0] < 18 ? 1 : 0)'; then
    need "Node.js 18+" nodejs "node is $(node --version)"
  fi
  if ! command -v npm >/dev/null; then
    # NodeSource's nodejs package ships npm itself and conflicts with Debian's npm package
    if dpkg-query -W -f='${Version}' nodejs 2>/dev/null | grep -q nodesource; then
      need npm nodejs "NodeSource's nodejs package includes npm: reinstall nodejs rather than installing Debian's npm"
    else need npm npm; fi
  fi
}

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"; }

check
[ ${#tools[@]} -eq 0 ] && exit 0

# As root, install what Debian can give and is not installed yet (a package that is installed
# but whose command is not on PATH, or is too old, is for a person to sort out).
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  todo=()
  for p in $(printf '%s\n' "${packages[@]}" | sort -u); do installed "$p" || todo+=("$p"); done
  if [ ${#todo[@]} -gt 0 ]; then
    echo "installing Debian packages: ${todo[*]}" >&2
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${todo[@]}" >/dev/null 2>&2
    hash -r
    check
    [ ${#tools[@]} -eq 0 ] && exit 0
  fi
fi

list=$(printf '%s, ' "${tools[@]}"); list=${list%, }
pkgs=$(printf '%s\n' "${packages[@]}" | sort -u | tr '\n' ' '); pkgs=${pkgs% }
absent=() present=()
for p in $pkgs; do if installed "$p"; then present+=("$p"); else absent+=("$p"); fi; done
sudo=$( [ "$(id -u)" = 0 ] || echo "sudo " )
line="Clickar needs $list:"
[ ${#absent[@]} -gt 0 ] && line="$line install the Debian package${absent[1]:+s} ${absent[*]} (${sudo}apt-get install ${absent[*]})"
[ ${#absent[@]} -gt 0 ] && [ ${#present[@]} -gt 0 ] && line="$line;"
[ ${#present[@]} -gt 0 ] && line="$line the Debian package${present[1]:+s} ${present[*]} $( [ ${#present[@]} -gt 1 ] && echo are || echo is) installed, but not on PATH or too old"
[ ${#notes[@]} -gt 0 ] && line="$line ($(printf '%s; ' "${notes[@]}" | sed 's/; $//'))"
echo "$line"
exit 1
