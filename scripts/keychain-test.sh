#!/usr/bin/env bash
# The keychain tests against a real Secret Service, on a machine without a desktop: starts a
# D-Bus session of its own with GNOME Keyring in it, unlocks a throwaway login keyring without
# a prompt, and runs test/e2e/keychain.test.ts there with MCP_OAUTH_BRIDGE_TEST_KEYCHAIN=1 (so
# the test fails, instead of skipping, when the keyring does not answer).
# Needs Debian's gnome-keyring and a D-Bus session bus (dbus-x11 brings dbus-run-session).
# The keyring's files live in a temporary folder: the user's own keyring is never touched.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${KEYCHAIN_TEST_IN_SESSION:-}" ]; then
  for tool in dbus-run-session gnome-keyring-daemon; do
    if ! command -v "$tool" >/dev/null; then
      echo "keychain-test: $tool is missing. On Debian: apt-get install -y --no-install-recommends gnome-keyring dbus-x11" >&2
      exit 1
    fi
  done
  npm run build --silent
  scratch="$(mktemp -d)"
  trap 'rm -rf "$scratch"' EXIT
  mkdir -m 700 "$scratch/data" "$scratch/runtime" "$scratch/config"
  # XDG_* keep the keyring and its control socket in the scratch folder; the session ends with the
  # script, and the keyring daemon with the session.
  status=0
  KEYCHAIN_TEST_IN_SESSION=1 XDG_DATA_HOME="$scratch/data" XDG_RUNTIME_DIR="$scratch/runtime" XDG_CONFIG_HOME="$scratch/config" \
    dbus-run-session -- "$0" "$@" || status=$?
  exit "$status"
fi

# Inside the session. A fresh login keyring is created with this password and left unlocked,
# which is what a desktop login does; nothing here ever asks a person.
password="$(head -c 18 /dev/urandom | base64)"
eval "$(printf '%s' "$password" | gnome-keyring-daemon --unlock --components=secrets)"
export GNOME_KEYRING_CONTROL
MCP_OAUTH_BRIDGE_TEST_KEYCHAIN=1 npx vitest run test/e2e/keychain.test.ts "$@"
