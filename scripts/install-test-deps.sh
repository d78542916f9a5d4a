#!/usr/bin/env bash
# Installs what the test suite needs on a Debian machine (run as root):
# a one-node Ceph cluster with the RADOS Gateway, the real S3 server the
# storage tests talk to, and inotify-tools for the file-watching tests.
# Idempotent: does nothing when every binary is already present.
set -euo pipefail

needed=(radosgw ceph-mon ceph-osd inotifywait)
missing=()
for bin in "${needed[@]}"; do
  command -v "$bin" >/dev/null 2>&1 || missing+=("$bin")
done
if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-test-deps: missing ${missing[*]}; run this script as root" >&2
  exit 1
fi

echo "install-test-deps: installing radosgw, ceph-mon, ceph-osd, inotify-tools (missing: ${missing[*]})" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends \
  -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
  radosgw ceph-mon ceph-osd inotify-tools >/dev/null

for bin in "${needed[@]}"; do
  if ! command -v "$bin" >/dev/null 2>&1; then
    echo "install-test-deps: $bin still missing after install" >&2
    exit 1
  fi
done
