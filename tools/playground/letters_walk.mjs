#!/usr/bin/env node
// Walks the letters flow of issue 16 in the Agents Playground as Sam Staff, the case owner, with `make run` running
// on a fresh database (delete data/uca-bot.db first):
//
//   node tools/playground/letters_walk.mjs [output-dir]      (default docs/screenshots)
//
// Sam reports Jane Smith (a new customer, so no address) and asks the team for a formal warning; Harper approves it
// (posted as the playground would send her click). The draft letter's card reaches Sam: it names the missing
// address and offers no Issue. Sam types the address on the card and saves version 2, issues it, and records that it
// went by post. Each step is a click on the card in the Playground's own rendering.
import { cardInputs, switchConversation, typeAndSend } from './smoke.mjs';
import { startWalk } from './walk.mjs';

const { config, page, browser, user, activity, personal, channel, post, settle, cardWith, shot } = await startWalk(
  'letters-walk', process.argv[2] || 'docs/screenshots', { width: 1400, height: 2000 });
const [sam, harper] = [user('Sam'), user('Harper')];
const seen = async (what, text) => {
  await page.getByText(text).last().waitFor({ timeout: 15_000 });
  console.log(`letters-walk: ok: ${what}`);
};

// Sam reports Jane Smith and asks for a formal warning.
await typeAndSend(page, config, personal, 'report Jane Smith phone abusive');
await settle();
const form = cardWith('incident.submit').card;
const morgan = form.body.find((e) => e.id === 'line_manager_id')?.choices.find((c) => c.title === 'Morgan Manager');
await post(activity(sam, personal, { value: { ...cardInputs(form), verb: 'incident.submit', form_id: form.actions[0].data.form_id, informal_warning_given: 'true',
  description: 'Shouted and swore at me when told the repair date.', line_manager_id: morgan ? morgan.value : '' } }));
await settle();
await post(activity(sam, personal, { text: 'escalate Jane Smith' }));
await settle();
const ask = cardWith('escalation.submit').card;
await switchConversation(page, channel);
await post(activity(sam, personal, { value: { ...cardInputs(ask), verb: 'escalation.submit', form_id: ask.actions[0].data.form_id,
  kind: 'formal_warning', reason: 'Third abusive call this month after an informal warning.' } }));
await settle();
const decision = cardWith('escalation.approve');
const approve = decision.card.actions.find((a) => a.verb === 'escalation.approve');
await post(activity(harper, channel, { type: 'invoke', name: 'adaptiveCard/action', replyToId: decision.id,
  value: { action: { type: 'Action.Execute', verb: approve.verb, data: { ...approve.data, alternatives_considered: 'true' } } } }));
await switchConversation(page, personal);
await settle();

// The draft: the missing address named, no Issue.
await seen('the draft letter card', 'Draft letter: Formal warning letter');
await seen('the missing address named', /cannot be issued until it says: the customer's address/);
await shot('letter-draft.png');
await page.getByRole('button', { name: 'Show the letter\'s text' }).last().click();
await shot('letter-draft-text.png');

// Sam types the address on the card and saves version 2.
const address = page.getByLabel("Customer's address").last();
await address.fill('12 Mill Lane, Exampleton, EX2 2BB');
await page.getByRole('button', { name: 'Save as version 2' }).last().click();
await seen('version 2 saved', 'Saved as version 2.');
await page.getByRole('button', { name: 'Issue the letter' }).last().click();
await seen('issued', 'Issued. This version is now fixed');
await page.getByRole('button', { name: 'Record delivery' }).last().waitFor();
await shot('letter-issued.png');

// How it went out: by post, today.
await page.getByRole('radio', { name: 'By post' }).last().check();
await page.getByRole('button', { name: 'Record delivery' }).last().click();
await page.waitForTimeout(3000);
await shot('letter-sent.png');
await seen('the delivery recorded', 'Recorded: by post.');
await shot('letter-sent.png');
await browser.close();
