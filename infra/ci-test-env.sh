#!/usr/bin/env bash
# Makes Cloud Build's test step able to run `make test`. The step's image, node:22-bookworm, brings
# Debian 12, Node 22 (the Firebase Auth emulator) and Python 3.11; this adds the rest that
# pakn_dev.prerequisites asks for: Java and gcloud's Firestore and Pub/Sub emulators, from Google's apt
# repository, at the gcloud version the deploy step runs (test_plan checks the plan's flags against it).
set -euo pipefail
GCLOUD_VERSION="${GCLOUD_VERSION:-528.0.0-0}"

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
  ca-certificates curl gnupg make python3-venv openjdk-17-jre-headless >/dev/null
curl -fsSL https://packages.cloud.google.com/apt/doc/apt-key.gpg | gpg --dearmor --yes -o /usr/share/keyrings/cloud.google.gpg
echo "deb [signed-by=/usr/share/keyrings/cloud.google.gpg] https://packages.cloud.google.com/apt cloud-sdk main" \
  >/etc/apt/sources.list.d/google-cloud-sdk.list
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
  "google-cloud-cli=${GCLOUD_VERSION}" \
  "google-cloud-cli-firestore-emulator=${GCLOUD_VERSION}" \
  "google-cloud-cli-pubsub-emulator=${GCLOUD_VERSION}" >/dev/null
