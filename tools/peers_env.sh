#!/usr/bin/env bash
# tools/peers_env.sh -- create the project-local "peer" Python environment.
#
# Builds .peers-venv/ in the repository root with the reference libraries the
# conformance data is generated from: NumPy, SciPy, scikit-learn, PyTorch (CPU),
# TensorFlow (CPU) with Keras 3, and mpmath.
#
# Route (see conformance/README.md for the reasoning):
#   * PyTorch comes from Debian's python3-torch (a CPU-only build, 1.13.1).
#     PyPI's Linux x86_64 torch wheel is a CUDA build that needs several GB of
#     nvidia-* wheels just to import, and the CPU wheel index is not reachable.
#   * The venv is made from Debian's /usr/bin/python3 with
#     --system-site-packages so that it sees python3-torch.
#   * Everything else comes from PyPI into the venv, pinned.  NumPy is pinned
#     below 2 because Debian's torch was compiled against the NumPy 1.x ABI;
#     tensorflow-cpu 2.21 accepts numpy 1.26.
#
# Idempotent: when .peers-venv exists and its stamp matches the requirement
# list below, the script does nothing but print the versions it recorded.
#
# Usage: tools/peers_env.sh            (from anywhere; needs root or sudo for apt)
#        PEERS_FORCE=1 tools/peers_env.sh   rebuild even if the stamp matches
set -euo pipefail

die() { echo "peers_env.sh: ERROR: $*" >&2; exit 1; }
log() { echo "peers_env.sh: $*" >&2; }

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV="$ROOT/.peers-venv"
STAMP="$VENV/.peers-stamp"
VERSIONS="$VENV/.peers-versions"
SYS_PY=/usr/bin/python3

# ---------------------------------------------------------------------------
# Requirement list.  Changing anything here invalidates the stamp.
APT_PACKAGES=(python3-venv python3-torch)
PIP_PACKAGES=(
    "numpy==1.26.4"
    "scipy==1.17.1"
    "scikit-learn==1.9.1"
    "tensorflow-cpu==2.21.0"
    "keras==3.15.1"
    "mpmath==1.3.0"
    "pytest==9.2.0"          # runs python/tests (make test-python)
    # conformance/generate_losses.py runs optax; jax 0.7.1 is the last jax that
    # accepts NumPy 1.26 (Debian's torch needs NumPy < 2)
    "jax==0.7.1"
    "jaxlib==0.7.1"
    "optax==0.2.8"
)
ROUTE_VERSION=1   # bump when the install logic changes
# ---------------------------------------------------------------------------

want_stamp() {
    printf 'route %s\n' "$ROUTE_VERSION"
    printf 'apt %s\n' "${APT_PACKAGES[@]}"
    printf 'pip %s\n' "${PIP_PACKAGES[@]}"
}

apt_missing() {
    local p missing=()
    for p in "${APT_PACKAGES[@]}"; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
            missing+=("$p")
        fi
    done
    echo "${missing[@]:-}"
}

# ---- fast path --------------------------------------------------------------
if [[ -z "${PEERS_FORCE:-}" && -x "$VENV/bin/python" && -f "$STAMP" ]] \
   && [[ "$(cat "$STAMP")" == "$(want_stamp)" ]] \
   && [[ -z "$(apt_missing)" ]]; then
    log "up to date ($VENV)"
    [[ -f "$VERSIONS" ]] && cat "$VERSIONS"
    exit 0
fi

start=$(date +%s)
[[ "$(uname -s)" == Linux ]] || die "only Linux (Debian bookworm) is supported"
command -v dpkg-query >/dev/null || die "dpkg-query not found: this script needs a Debian system"

# ---- Debian packages ---------------------------------------------------------
to_install=$(apt_missing)
if [[ -n "$to_install" ]]; then
    SUDO=()
    if [[ $(id -u) -ne 0 ]]; then
        command -v sudo >/dev/null || die "need root (or sudo) to apt-get install: $to_install"
        SUDO=(sudo)
    fi
    log "apt-get install $to_install"
    "${SUDO[@]}" apt-get update -qq || die "apt-get update failed"
    # shellcheck disable=SC2086
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends $to_install >/dev/null \
        || die "apt-get install $to_install failed"
fi
[[ -x "$SYS_PY" ]] || die "$SYS_PY not found"
"$SYS_PY" -c 'import sys; assert sys.version_info[:2] == (3, 11), sys.version' \
    || die "$SYS_PY must be Python 3.11 (Debian bookworm); python3-torch is built for it"

# ---- venv -------------------------------------------------------------------
rm -rf "$VENV"
log "creating $VENV from $SYS_PY (with system site-packages)"
"$SYS_PY" -m venv --system-site-packages "$VENV" || die "venv creation failed"
PY="$VENV/bin/python"

log "pip install ${PIP_PACKAGES[*]}"
# --only-binary: never build from source.  The exact pins make pip put its own
# copies into the venv, shadowing Debian's older numpy/mpmath that the system
# site-packages would otherwise provide.
PIP_DISABLE_PIP_VERSION_CHECK=1 "$PY" -m pip install --quiet --only-binary=:all: \
    "${PIP_PACKAGES[@]}" || { rm -rf "$VENV"; die "pip install failed"; }

# ---- smoke test: every peer imports in one interpreter and runs an op --------
log "smoke test"
if ! TF_CPP_MIN_LOG_LEVEL=2 KERAS_BACKEND=tensorflow "$PY" - >"$VERSIONS.tmp" <<'EOF'
import os, sys
import numpy, scipy, scipy.special, sklearn, sklearn.metrics, mpmath
import torch, torch.nn.functional as F
import tensorflow as tf
import keras

x = numpy.array([[0.5, 1.5, 0.1], [2.2, 1.3, 1.7]])
t = F.cross_entropy(torch.tensor(x), torch.tensor([1, 0]))
s = tf.nn.softmax(tf.constant(x), axis=-1).numpy()
k = keras.losses.categorical_crossentropy(numpy.eye(3)[[1, 0]], s)
ref = scipy.special.softmax(x, axis=-1)
assert numpy.allclose(s, ref) and numpy.allclose(torch.softmax(torch.tensor(x), -1).numpy(), ref)
assert abs(float(t) - float(numpy.mean(numpy.asarray(k)))) < 1e-6
assert abs(float(mpmath.log(mpmath.mpf(2))) - numpy.log(2.0)) < 1e-15
assert sklearn.metrics.log_loss([1, 0], ref[:, :2] / ref[:, :2].sum(1, keepdims=True)) > 0
print("python", sys.version.split()[0])
for name, mod in [("numpy", numpy), ("scipy", scipy), ("scikit-learn", sklearn),
                  ("torch", torch), ("tensorflow", tf), ("keras", keras), ("mpmath", mpmath)]:
    print(name, mod.__version__)
EOF
then
    rm -f "$VERSIONS.tmp"
    die "smoke test failed: the peers do not all import/run in $VENV (left in place for inspection)"
fi
echo "python3-torch (Debian) $(dpkg-query -W -f='${Version}' python3-torch)" >>"$VERSIONS.tmp"
mv "$VERSIONS.tmp" "$VERSIONS"
want_stamp >"$STAMP"
log "done in $(( $(date +%s) - start ))s"
cat "$VERSIONS"
