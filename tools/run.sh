#!/usr/bin/env bash
# `make run`: the bot on :3978 and, where Node.js is installed, the Agents Playground on :56150.
# The playground asks the bot for its configuration as it starts, so the bot goes first.
set -euo pipefail
cd "$(dirname "$0")/.."
python=.venv/bin/python

$python admin.py migrate
$python admin.py seed-playground

$python app.py &
bot=$!
trap 'kill $bot ${playground:-} 2>/dev/null || true' EXIT INT TERM
for _ in $(seq 1 60); do
  curl -fsS http://localhost:${PORT:-3978}/healthz >/dev/null 2>&1 && break
  kill -0 $bot 2>/dev/null || { echo "The bot stopped during start-up; see the messages above."; exit 1; }
  sleep 0.5
done
echo "Bot ready: http://localhost:${PORT:-3978}/api/messages (health: /healthz)"

if command -v node >/dev/null 2>&1; then
  bash tools/playground/start.sh "$@" &
  playground=$!
  echo "Agents Playground: open http://localhost:${PLAYGROUND_PORT:-56150} in a browser (Ctrl+C stops both)."
else
  echo "Node.js is not installed: no Agents Playground. The bot still serves http://localhost:3978/api/messages."
fi
wait $bot
