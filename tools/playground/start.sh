#!/bin/sh
# Start the Microsoft 365 Agents Playground (local Teams emulator) for this bot.
#
#   tools/playground/start.sh [--as NAME] [extra agentsplayground flags...]
#
# UI: http://localhost:${PLAYGROUND_PORT:-56150}   bot: ${BOT_ENDPOINT:-http://localhost:3978/api/messages}
# Mock Teams context (tenant, users, team, channel): .m365agentsplayground.yml at the repo root.
# --as NAME   be another configured user (first name, full name or user id, e.g. --as harper): the UI has
#             no user switch, so this starts the playground on a copy of the config whose currentUser is
#             that person (and whose personal chat id is personal-chat-<user>).
# Run the bot with authentication off: MicrosoftAppId and MicrosoftAppPassword empty (DEVELOPMENT_MODE=true),
# because the playground sends no Authorization header.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)

if ! command -v node >/dev/null 2>&1; then
  echo "start.sh: node is not installed; the playground needs Node.js 18+ and npm. Nothing started."
  exit 0
fi

as_user=""
if [ "${1:-}" = "--as" ]; then
  [ $# -ge 2 ] || { echo "start.sh: --as needs a name" >&2; exit 2; }
  as_user=$2
  shift 2
fi

if [ ! -x "$here/node_modules/.bin/agentsplayground" ]; then
  echo "start.sh: installing the playground into $here/node_modules ..."
  if [ -f "$here/package-lock.json" ]; then
    (cd "$here" && npm ci --no-audit --no-fund)
  else
    (cd "$here" && npm install --no-audit --no-fund)
  fi
fi

config="$repo/.m365agentsplayground.yml"
if [ -n "$as_user" ]; then
  generated="${TMPDIR:-/tmp}/m365agentsplayground-as-$(echo "$as_user" | tr -c 'A-Za-z0-9\n' '-').yml"
  # Swap currentUser with the chosen user; the file keeps its exact shape (the schema wants 5 other users).
  AS_USER="$as_user" SRC="$config" DST="$generated" node -e '
    const fs = require("fs");
    const text = fs.readFileSync(process.env.SRC, "utf8");
    const parse = (block) => Object.fromEntries(block.split("\n").filter((l) => /:\s/.test(l))
      .map((l) => l.replace(/^\s*-?\s*/, "")).map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 1).trim()]));
    const emit = (u, first, rest) => Object.entries(u).map(([k, v], i) => `${i ? rest : first}${k}: ${v}`).join("\n");
    const cur = /^currentUser:\n((?:  [^\n]*\n)+)/m.exec(text);
    const items = [...text.matchAll(/^  - id: [^\n]*\n(?:    [^\n]*\n)*/gm)];
    const wanted = process.env.AS_USER.toLowerCase();
    const current = parse(cur[1]);
    const hit = items.find((m) => { const u = parse(m[0]); return [u.id, u.name, u.givenName, u.aadObjectId]
      .some((v) => v && (v.toLowerCase() === wanted || v.toLowerCase().replace(/^29:/, "") === wanted)); });
    if (!hit) {
      if ([current.id, current.name, current.givenName].some((v) => v && v.toLowerCase() === wanted)) {
        fs.writeFileSync(process.env.DST, text); process.exit(0);
      }
      console.error(`start.sh: no user "${process.env.AS_USER}" in ${process.env.SRC}`); process.exit(2);
    }
    const chosen = parse(hit[0]);
    let out = text.slice(0, hit.index) + emit(current, "  - ", "    ") + "\n" + text.slice(hit.index + hit[0].length);
    out = out.replace(cur[0], "currentUser:\n" + emit(chosen, "  ", "  ") + "\n");
    out = out.replace(/^(personalChat:\n  id: ).*$/m, `$1personal-chat-${chosen.id.replace(/^\d+:/, "")}`);
    fs.writeFileSync(process.env.DST, out);
  '
  config=$generated
  echo "start.sh: playing as $as_user (config $config)"
fi

bot_endpoint=${BOT_ENDPOINT:-http://localhost:3978/api/messages}
port=${PLAYGROUND_PORT:-56150}

# TEAMSAPPTESTER_BROWSER=none: do not try to open a browser. The log file would otherwise go to ./devTools/.
export BOT_ENDPOINT="$bot_endpoint"
export TEAMSAPPTESTER_BROWSER=${TEAMSAPPTESTER_BROWSER:-none}
export M365_AGENTS_PLAYGROUND_CONFIG_PATH="$config"
export M365_AGENTS_PLAYGROUND_LOGFILE=${M365_AGENTS_PLAYGROUND_LOGFILE:-${TMPDIR:-/tmp}/m365agentsplayground.log}

echo "start.sh: playground on http://localhost:$port -> $bot_endpoint (telemetry off, log $M365_AGENTS_PLAYGROUND_LOGFILE)"
cd "$repo"
exec "$here/node_modules/.bin/agentsplayground" \
  --disable-telemetry \
  --app-endpoint "$bot_endpoint" \
  --channel-id msteams \
  --port "$port" \
  "$@"
