// What every walk through the Agents Playground needs, with `make run` running: the playground's mock people and
// conversations, a headless Chromium watching the page (only playground traffic let through), every card and line
// the bot sends as the page receives them, and screenshots. The walks post other people's turns straight to the bot,
// exactly as the playground would send them, because the playground shows one user at a time.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { playgroundActivity, postToBot, resolveConversation } from './smoke.mjs';

const PLAYGROUND = process.env.PLAYGROUND_URL || 'http://localhost:56150';
const BOT = process.env.BOT_ENDPOINT || 'http://localhost:3978/api/messages';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
  '--disable-quic', '--disable-component-update', '--disable-sync'];

/** Opens the playground for a walk named `name`, saving screenshots in `out`. */
export async function startWalk(name, out, viewport = { width: 1400, height: 1000 }) {
  const { config } = await (await fetch(`${PLAYGROUND}/_internal/v1/config`)).json();
  const user = (first) => [config.currentUser, ...config.users].find((u) => u.givenName === first);
  let sequence = 0;
  const activity = (from, conversation, extra) =>
    playgroundActivity(PLAYGROUND, config, from, conversation, `${name}-${++sequence}`, extra);

  mkdirSync(out, { recursive: true });
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ARGS });
  const page = await browser.newPage({ viewport });
  await page.route('**/*', (r) => (r.request().url().startsWith(PLAYGROUND) || r.request().url().startsWith('data:') ? r.continue() : r.abort()));
  const cards = [];
  page.on('websocket', (ws) => ws.on('framereceived', (frame) => {
    try {
      const data = JSON.parse(String(frame.payload));
      const message = data?.message;
      if (message?.from?.id !== config.bot.id) return;
      for (const a of message.attachments || []) {
        if (a.content?.type === 'AdaptiveCard') cards.push({ id: message.id, conversation: data.actionConversationId, card: a.content });
      }
      if (message.text) cards.push({ id: message.id, conversation: data.actionConversationId, card: { body: [{ text: message.text }] } });
    } catch { /* not JSON */ }
  }));
  const sent = () => cards.map((c) => `${c.conversation}: ${c.card.body?.[0]?.text}`).join(' | ');

  await page.goto(PLAYGROUND, { waitUntil: 'domcontentloaded' });
  await page.getByRole('treeitem', { name: 'Personal Chat', exact: true }).waitFor({ timeout: 30_000 });
  await page.locator('[contenteditable="true"][role="textbox"]').first().waitFor();

  return {
    config,
    page,
    browser,
    cards,
    user,
    activity,
    personal: resolveConversation(config, 'personal'),
    channel: resolveConversation(config, 'determination'),
    group: resolveConversation(config, 'group'),
    post: (body) => postToBot(BOT, body),
    settle: () => page.waitForTimeout(3000),
    /** The last card the bot sent with a button for `verb`. */
    cardWith: (verb) => {
      const hit = cards.findLast((c) => JSON.stringify(c.card).includes(`"${verb}"`));
      if (!hit) throw new Error(`no card with "${verb}"; the bot sent: ${sent()}`);
      return hit;
    },
    expect: (what, ok) => {
      if (!ok) throw new Error(`expected ${what}; the bot sent: ${sent()}`);
      console.log(`${name}: ok: ${what}`);
    },
    shot: async (file) => {
      await page.screenshot({ path: `${out}/${file}`, fullPage: true });
      console.log(`${name}: ${out}/${file}`);
    },
  };
}
