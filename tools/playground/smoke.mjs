#!/usr/bin/env node
// Headless smoke test of the bot through the Microsoft 365 Agents Playground (local Teams emulator).
//
//   node tools/playground/smoke.mjs [message] [screenshot.png] [options]
//
//   message            text to send (default "help")
//   screenshot.png     where to save a PNG of the page (default /tmp/playground.png)
//   --conversation C   personal (default) | group | general | determination | any channel name
//   --as NAME          send as another configured user (display name, first name, user id or aadObjectId)
//                      instead of the playground's current user; goes through the playground's
//                      "Custom activity" API, so the user's own message is not drawn, only the bot's reply
//   --click LABEL      after the reply, click the last card button with this label (Action.Execute or
//                      Action.Submit) and wait until the bot has answered it
//   --url URL          playground address (default $PLAYGROUND_URL or http://localhost:56150)
//   --timeout SECONDS  overall limit (default 60)
//
// Exit 0 when the bot replied (and, with --click, answered the click), 1 when it did not, 2 on a setup error.
// Needs the playground running (tools/playground/start.sh) and Debian's chromium; never downloads a browser.
import { chromium } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
  '--disable-quic', '--disable-component-update', '--disable-sync',
];

function parseArgs(argv) {
  const opts = { url: process.env.PLAYGROUND_URL || 'http://localhost:56150', conversation: 'personal', timeout: 60 };
  const positional = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--conversation' || a === '-c') opts.conversation = next();
    else if (a === '--as') opts.as = next();
    else if (a === '--click') opts.click = next();
    else if (a === '--url') opts.url = next();
    else if (a === '--timeout') opts.timeout = Number(next());
    else if (a === '--help' || a === '-h') opts.help = true;
    else positional.push(a);
  }
  opts.message = positional[0] ?? 'help';
  opts.screenshot = positional[1] ?? '/tmp/playground.png';
  opts.url = opts.url.replace(/\/+$/, '');
  return opts;
}

async function getJson(url) {
  const res = await fetch(url, { signal: AbortSignal.timeout(20_000) });
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
  return res.json();
}

/** The playground's mock Teams context, as loaded from .m365agentsplayground.yml. */
async function loadConfig(baseUrl) {
  const { config } = await getJson(`${baseUrl}/_internal/v1/config`);
  return config;
}

/** Resolve --conversation to the conversation id and the sidebar entry's accessible name. */
export function resolveConversation(config, wanted) {
  const w = String(wanted).trim().toLowerCase();
  const team = config.teams[0];
  if (w === 'personal' || w === 'personal chat' || w === config.personalChat.id.toLowerCase()) {
    return { id: config.personalChat.id, label: 'Personal Chat', kind: 'personal' };
  }
  const group = config.groupChats[0];
  if (w === 'group' || w === 'group chat' || w === group.id.toLowerCase() || w === group.name.toLowerCase()) {
    return { id: group.id, label: group.name, kind: 'groupChat' };
  }
  const channel = team.channels.find(
    (c) => c.id.toLowerCase() === w || c.name.toLowerCase() === w || c.name.toLowerCase().startsWith(w),
  );
  if (channel) return { id: channel.id, label: `${team.name} - ${channel.name}`, kind: 'channel' };
  const known = ['personal', 'group', ...team.channels.map((c) => c.name)];
  throw new Error(`unknown conversation "${wanted}"; try one of: ${known.join(', ')}`);
}

/** Resolve --as to a configured user. */
export function resolveUser(config, wanted) {
  const w = String(wanted).trim().toLowerCase();
  const users = [config.currentUser, ...config.users];
  const user = users.find((u) =>
    [u.id, u.aadObjectId, u.name, u.givenName, u.email, u.userPrincipleName].some((v) => v && v.toLowerCase() === w),
  );
  if (!user) throw new Error(`unknown user "${wanted}"; configured: ${users.map((u) => u.name).join(', ')}`);
  return user;
}

/** Send a message into a conversation as any configured user, through the playground's custom-activity API. */
export async function sendAs(baseUrl, config, conversation, user, text) {
  const template = await getJson(
    `${baseUrl}/_internal/v1/customActivities/template?conversationId=${encodeURIComponent(conversation.id)}`,
  );
  const team = config.teams[0];
  const activity = {
    ...template,
    type: 'message',
    text,
    textFormat: 'plain',
    locale: 'en-US',
    from: { id: user.id, name: user.name, aadObjectId: user.aadObjectId },
    channelData: { tenant: { id: config.tenantId } },
  };
  if (conversation.kind === 'channel') {
    // What Teams sends for a channel post that @mentions the bot.
    activity.text = `<at>${config.bot.name}</at> ${text}`;
    activity.entities = [
      { type: 'mention', mentioned: { id: config.bot.id, name: config.bot.name }, text: `<at>${config.bot.name}</at>` },
    ];
    activity.channelData = {
      ...activity.channelData,
      teamsChannelId: conversation.id,
      teamsTeamId: team.id,
      team: { id: team.id },
      channel: { id: conversation.id },
    };
  }
  const res = await fetch(`${baseUrl}/_internal/v1/customActivities`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(activity),
    signal: AbortSignal.timeout(20_000),
  });
  if (!res.ok) throw new Error(`custom activity refused: HTTP ${res.status} ${await res.text()}`);
}

/** An activity as the playground would post it to the bot, from anyone, in any of its conversations. */
export function playgroundActivity(playground, config, from, conversation, id, extra) {
  return {
    type: 'message', id, channelId: 'msteams', serviceUrl: `${playground}/_connector`,
    timestamp: new Date().toISOString(), from: { id: from.id, name: from.name, aadObjectId: from.aadObjectId },
    recipient: { id: config.bot.id, name: config.bot.name },
    conversation: { id: conversation.id, conversationType: conversation.kind, tenantId: config.tenantId },
    channelData: { tenant: { id: config.tenantId } }, ...extra,
  };
}

/** Posts an activity straight to the bot; its JSON answer (an invoke's), or null. */
export async function postToBot(endpoint, body) {
  const res = await fetch(endpoint, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`bot answered HTTP ${res.status}`);
  return res.headers.get('content-type')?.includes('json') ? res.json() : null;
}

/** Every input of a card with its current value, as its Action.Submit would send them. */
export function cardInputs(card) {
  const found = {};
  const walk = (n) => {
    if (Array.isArray(n)) n.forEach(walk);
    else if (n && typeof n === 'object') {
      if (String(n.type || '').startsWith('Input.') && n.id) found[n.id] = n.value ?? '';
      Object.values(n).forEach(walk);
    }
  };
  walk(card.body);
  return found;
}

/** Open a conversation from the left-hand list (the UI's only way to switch conversation). */
export async function switchConversation(page, conversation) {
  await page.getByRole('treeitem', { name: conversation.label, exact: true }).click();
  await page.waitForTimeout(500);
}

/** Type into the current conversation's compose box and send; outside personal chat, @mention the bot first. */
export async function typeAndSend(page, config, conversation, text) {
  // Personal and group chats: one "Type a message..." box. Channels: the first box is "Start a new post".
  const box = page.locator('[contenteditable="true"][role="textbox"]').first();
  await box.click();
  if (conversation.kind !== 'personal') {
    // Bots only receive channel and group-chat messages that @mention them, as in Teams.
    await page.keyboard.type('@');
    await page.getByText(config.bot.name, { exact: true }).last().click();
    await page.keyboard.type(' ');
  }
  await page.keyboard.type(text);
  await page.keyboard.press('Enter');
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.help) {
    const src = (await import('node:fs')).readFileSync(new URL(import.meta.url), 'utf8');
    console.log(src.split('\n').slice(1, 18).map((l) => l.replace(/^\/\/ ?/, '')).join('\n'));
    return 0;
  }
  const deadline = Date.now() + opts.timeout * 1000;
  const left = () => Math.max(1000, deadline - Date.now());

  let config;
  try {
    // The playground holds this request until the bot endpoint answers, for at most 15 s.
    const asked = Date.now();
    config = await loadConfig(opts.url);
    if (Date.now() - asked > 14_000) {
      console.error('smoke: the playground could not reach the bot endpoint for 15 s: is the bot running on :3978?');
      return 1;
    }
  } catch (e) {
    console.error(`smoke: playground not reachable at ${opts.url} (${e.message}); start it with tools/playground/start.sh`);
    return 2;
  }
  let conversation;
  let sender;
  try {
    conversation = resolveConversation(config, opts.conversation);
    sender = opts.as ? resolveUser(config, opts.as) : config.currentUser;
  } catch (e) {
    console.error(`smoke: ${e.message}`);
    return 2;
  }

  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  const watchdog = setTimeout(() => {
    console.error(`smoke: gave up after ${opts.timeout}s`);
    browser.close().finally(() => process.exit(1));
  }, opts.timeout * 1000 + 5000);
  let code = 1;
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  try {
    page.setDefaultTimeout(15_000);
    // Offline machine: the UI asks a CDN for fonts; refuse anything that is not the playground itself.
    const origin = new URL(opts.url).origin;
    await page.route('**/*', (route) =>
      route.request().url().startsWith(origin) || route.request().url().startsWith('data:')
        ? route.continue()
        : route.abort(),
    );
    // Bot replies reach the UI as "createMessage"/"updateMessage" frames on the conversation websocket.
    const botFrames = [];
    page.on('websocket', (ws) => {
      if (!ws.url().includes('conversation')) return;
      ws.on('framereceived', (frame) => {
        try {
          const data = JSON.parse(String(frame.payload));
          if (data?.message?.from?.id === config.bot.id) botFrames.push(data);
        } catch {
          /* not JSON */
        }
      });
    });
    const waitForBot = async (after, what) => {
      while (Date.now() < deadline) {
        if (botFrames.length > after) return true;
        await page.waitForTimeout(250);
      }
      console.error(`smoke: no bot reply ${what} within ${opts.timeout}s`);
      return false;
    };

    await page.goto(opts.url, { waitUntil: 'domcontentloaded', timeout: left() });
    await page.getByRole('treeitem', { name: 'Personal Chat', exact: true }).waitFor({ timeout: left() });
    await page.locator('[contenteditable="true"][role="textbox"]').first().waitFor({ timeout: left() });
    await switchConversation(page, conversation);

    const before = botFrames.length;
    if (opts.as && sender.id !== config.currentUser.id) {
      await sendAs(opts.url, config, conversation, sender, opts.message);
    } else {
      await typeAndSend(page, config, conversation, opts.message);
    }
    let ok = await waitForBot(before, `to "${opts.message}"`);
    if (ok) {
      await page.waitForTimeout(1500); // let a burst of replies land and render
      const texts = botFrames.slice(before).map((f) => f.message?.content ?? f.message?.text ?? '');
      console.log(`smoke: ${botFrames.length - before} bot message(s) in ${conversation.label}, replying to ${sender.name}`);
      for (const t of texts) if (typeof t === 'string' && t) console.log(`  bot: ${t.slice(0, 200)}`);
    }
    if (ok && opts.click) {
      const clickedBefore = botFrames.length;
      const answered = page.waitForResponse(
        (r) => /\/_conversation\/v1\/(invoke|submit)/.test(r.url()) && r.request().method() === 'POST',
        { timeout: left() },
      );
      await page.getByRole('button', { name: opts.click, exact: true }).last().click({ timeout: left() });
      const res = await answered;
      const body = await res.text().catch(() => '');
      console.log(`smoke: clicked "${opts.click}": playground answered HTTP ${res.status()} ${body.slice(0, 300)}`);
      ok = res.ok();
      await page.waitForTimeout(2000); // a refreshed card or follow-up messages render
      if (botFrames.length > clickedBefore) console.log(`smoke: ${botFrames.length - clickedBefore} bot message(s) after the click`);
    }
    code = ok ? 0 : 1;
  } catch (e) {
    console.error(`smoke: ${e.message.split('\n')[0]}`);
    code = 1;
  } finally {
    await page.screenshot({ path: opts.screenshot, fullPage: true }).catch((e) => console.error(`smoke: no screenshot: ${e.message}`));
    console.log(`smoke: screenshot ${opts.screenshot}`);
    clearTimeout(watchdog);
    await browser.close();
  }
  return code;
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('smoke.mjs')) {
  main().then((code) => process.exit(code), (e) => {
    console.error(e);
    process.exit(2);
  });
}
