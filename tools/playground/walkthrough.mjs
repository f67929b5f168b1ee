#!/usr/bin/env node
// Screenshots of the main flows as they render in the Agents Playground, for the README.
//
//   node tools/playground/walkthrough.mjs [output-dir]      (default docs/screenshots)
//
// One browser session watches Sam Staff's personal chat and the Determination team channel (the playground
// keeps history only in the open page). Sam types `report …` in the UI; the other people's turns (the form's
// submit, the escalation, the members' Approve clicks) are posted to the bot exactly as the playground would
// send them, because the playground cannot switch user inside one session.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { cardInputs, playgroundActivity, postToBot, resolveConversation, sendAs, switchConversation, typeAndSend } from './smoke.mjs';

const PLAYGROUND = process.env.PLAYGROUND_URL || 'http://localhost:56150';
const BOT = process.env.BOT_ENDPOINT || 'http://localhost:3978/api/messages';
const OUT = process.argv[2] || 'docs/screenshots';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
  '--disable-quic', '--disable-component-update', '--disable-sync'];

const { config } = await (await fetch(`${PLAYGROUND}/_internal/v1/config`)).json();
const user = (first) => [config.currentUser, ...config.users].find((u) => u.givenName === first);
const [sam, harper, casey] = [user('Sam'), user('Harper'), user('Casey')];
const personal = resolveConversation(config, 'personal');
const channel = resolveConversation(config, 'determination');
let sequence = 0;

const activity = (from, conversation, extra) =>
  playgroundActivity(PLAYGROUND, config, from, conversation, `walkthrough-${++sequence}`, extra);
const post = (body) => postToBot(BOT, body);
const inputs = cardInputs;

mkdirSync(OUT, { recursive: true });
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ARGS });
const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
await page.route('**/*', (r) => (r.request().url().startsWith(PLAYGROUND) || r.request().url().startsWith('data:') ? r.continue() : r.abort()));
const cards = [];
page.on('websocket', (ws) => ws.on('framereceived', (frame) => {
  try {
    const data = JSON.parse(String(frame.payload));
    const message = data?.message;
    if (message?.from?.id !== config.bot.id) return;
    for (const a of message.attachments || []) if (a.content?.type === 'AdaptiveCard') cards.push({ id: message.id, card: a.content });
  } catch { /* not JSON */ }
}));
const settle = () => page.waitForTimeout(2500);
/** The newest card the bot sent that has a button with this verb (Action.Submit data.verb or Action.Execute verb). */
const cardWith = (verb) => {
  const hit = cards.findLast((c) => (c.card.actions || []).some((a) => a.verb === verb || a.data?.verb === verb));
  if (!hit) throw new Error(`no card with "${verb}" among: ${cards.map((c) => c.card.body?.[0]?.text).join(' | ')}`);
  return hit;
};
const shot = async (name) => { await page.screenshot({ path: `${OUT}/${name}`, fullPage: true }); console.log(`walkthrough: ${OUT}/${name}`); };

await page.goto(PLAYGROUND, { waitUntil: 'domcontentloaded' });
await page.getByRole('treeitem', { name: 'Personal Chat', exact: true }).waitFor({ timeout: 30_000 });
await page.locator('[contenteditable="true"][role="textbox"]').first().waitFor();

// 1. Sam reports an incident: one message, the form comes back prefilled.
await typeAndSend(page, config, personal, 'report Jane Smith phone abusive');
await settle();
await shot('report-form.png');
const form = cardWith('incident.submit').card;
const managers = form.body.find((e) => e.id === 'line_manager_id');
const morgan = managers?.choices.find((c) => c.title === 'Morgan Manager');
await post(activity(sam, personal, { value: { ...inputs(form), verb: 'incident.submit', form_id: form.actions[0].data.form_id, informal_warning_given: 'true',
  description: 'Shouted and swore at me when told the repair date; ended the call after a warning.',
  immediate_steps: 'warned,ended_call', line_manager_id: morgan ? morgan.value : '' } }));
await settle();
await shot('report-confirmation.png');

// 2. The bot learns the determination team's channel; Sam asks for a formal warning.
await sendAs(PLAYGROUND, config, channel, harper, 'help');
await post(activity(sam, personal, { text: 'escalate Jane Smith' }));
await settle();
const ask = cardWith('escalation.submit').card;
await switchConversation(page, channel);
await post(activity(sam, personal, { value: { ...inputs(ask), verb: 'escalation.submit', form_id: ask.actions[0].data.form_id,
  kind: 'formal_warning', reason: 'Third abusive call this month after an informal warning (s10, s11.1).' } }));
await settle();
await shot('decision-card-before.png');

// 3. A member approves on the card (Action.Execute): the card changes in place for everyone.
const decision = cardWith('escalation.approve');
const approve = decision.card.actions.find((a) => a.verb === 'escalation.approve');
await post(activity(harper, channel, { type: 'invoke', name: 'adaptiveCard/action', replyToId: decision.id,
  value: { action: { type: 'Action.Execute', verb: approve.verb, data: { ...approve.data, alternatives_considered: 'true',
    notes: 'Adjustments checked: none needed. Informal warning was not heeded.' } } } }));
await settle();
await shot('decision-card-after.png');
await browser.close();
