#!/usr/bin/env bash
# Installs, from Debian's packages, whatever laborsim needs to build, test and run that
# is not already on this machine. Run as root on Debian 12 (bookworm) or later.
set -euo pipefail

packages=(
  build-essential cmake pkg-config git
  libboost-program-options-dev libtbb-dev libeigen3-dev libhdf5-dev zlib1g-dev
  libgtest-dev libtomlplusplus-dev librandom123-dev nlohmann-json3-dev libfccp-dev
  python3 python3-h5py python3-numpy python3-pandas python3-matplotlib python3-pil
  r-base-core r-bioc-rhdf5 r-cran-bit64
  chromium
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
