#!/usr/bin/env bash
# Prints the path of a Python interpreter of the wanted minor version (e.g. 3.10), or fails with advice.
# Looks at python3.X on PATH, then pyenv's versions, then uv's managed Pythons.
set -euo pipefail
want="${1:?usage: find-python.sh 3.10}"
ok() { [ -x "$1" ] && "$1" -c "import sys, venv; sys.exit(0 if '%d.%d' % sys.version_info[:2] == '$want' else 1)" 2>/dev/null; }
if cmd=$(command -v "python$want" 2>/dev/null) && ok "$cmd"; then echo "$cmd"; exit 0; fi
for root in "${PYENV_ROOT:-}" "$HOME/.pyenv" /root/.pyenv /opt/pyenv; do
  [ -n "$root" ] || continue
  for cand in "$root"/versions/"$want"*/bin/python"$want"; do
    if ok "$cand"; then echo "$cand"; exit 0; fi
  done
done
if command -v uv >/dev/null 2>&1 && cand=$(uv python find "$want" 2>/dev/null) && ok "$cand"; then echo "$cand"; exit 0; fi
if [ "$want" != "3.10" ]; then
  # Any newer Python 3 on PATH works for the gateway environment.
  for v in 3.13 3.12 3.11; do
    if cmd=$(command -v "python$v" 2>/dev/null); then echo "$cmd"; exit 0; fi
  done
fi
echo "find-python: no Python $want found. Install it (pyenv install $want, apt-get install python$want, or uv python install $want) and try again." >&2
exit 1
