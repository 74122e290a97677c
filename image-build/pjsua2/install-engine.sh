#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Put a SIP engine into the venv: the raised-limit pjsua2 built from the pristine source
# when it is reachable (PJPROJECT_SRC), else the PyPI wheel. Says which in one line.
# usage: install-engine.sh VENV_PYTHON
set -euo pipefail
python="$1"
here="$(cd "$(dirname "$0")" && pwd)"
venv="$(dirname "$(dirname "$python")")"
pip=("$python" -m pip install -q --disable-pip-version-check)

installed() { "$python" -m pip show -q "$1" >/dev/null 2>&1; }

src="${PJPROJECT_SRC:-$here/../../../shared/vendor/pjproject-2.15.1.tar.gz}"
if [ -f "$src" ]; then
    export PJPROJECT_SRC="$src"
    wheel="$(bash "$here/build-wheel.sh" --python "$python" --print-path)"
    stamp="$venv/.sip-engine-$(basename "$wheel")"
    if [ ! -f "$stamp" ]; then
        installed pjsua2-python && "$python" -m pip uninstall -q -y pjsua2-python
        "${pip[@]}" --force-reinstall --no-deps "$wheel"
        rm -f "$venv"/.sip-engine-*; touch "$stamp"
    fi
    calls="$(sed -n 's/^#define PJSUA_MAX_CALLS[[:space:]]*\([0-9]*\).*/\1/p' "$here/../pjproject/config_site.h")"
    echo "SIP engine: pjsua2 $(basename "$wheel" | cut -d- -f2) built from source — up to $calls SIP calls"
else
    if ! installed pjsua2-python; then
        installed pjsua2 && "$python" -m pip uninstall -q -y pjsua2
        "${pip[@]}" "pjsua2-python==2.15.1.post1"
        rm -f "$venv"/.sip-engine-*
    fi
    echo "SIP engine: PyPI pjsua2-python wheel (no pjproject source at $src) — capacity limited to 4 SIP calls (2 conversations)"
fi
