#!/usr/bin/env node
// Walks further action from Teams (issue 18: s14) in the Agents Playground as Sam Staff, with `make run` running on
// a fresh database (delete data/uca-bot.db first):
//
//   node tools/playground/further_action_walk.mjs [output-dir]      (default docs/screenshots)
//
// Sam reports Jane Smith (an informal warning given), asks the team for further action without the legal advice
// and is refused on the form, then opens its details on the card, types the legal advice and the officer to refer
// contact to, and sends it. Harper, Casey and Lee approve it (posted as the playground would send their clicks), and
// `check Jane Smith` then tells staff what to do. Sam's own steps are clicks and typing on the cards as the Playground
// renders them; the first submit, with its drop-down, is posted with the card's own inputs.
import { cardInputs, switchConversation, typeAndSend } from './smoke.mjs';
import { startWalk } from './walk.mjs';

const { config, page, browser, user, activity, personal, channel, post, settle, cardWith, shot } = await startWalk(
  'further-action-walk', process.argv[2] || 'docs/screenshots', { width: 1400, height: 1800 });
const [sam, harper, casey, lee] = [user('Sam'), user('Harper'), user('Casey'), user('Lee')];
const seen = async (what, text) => {
  await page.getByText(text).last().waitFor({ timeout: 15_000 });
  console.log(`further-action-walk: ok: ${what}`);
};

await typeAndSend(page, config, personal, 'report Jane Smith phone abusive');
await settle();
const form = cardWith('incident.submit').card;
const morgan = form.body.find((e) => e.id === 'line_manager_id')?.choices.find((c) => c.title === 'Morgan Manager');
await post(activity(sam, personal, { value: { ...cardInputs(form), verb: 'incident.submit', form_id: form.actions[0].data.form_id,
  informal_warning_given: 'true', description: 'Threatened to follow the housing officer home.',
  line_manager_id: morgan ? morgan.value : '' } }));
await settle();

await typeAndSend(page, config, personal, 'escalate Jane Smith');
await settle();
const ask = cardWith('escalation.submit').card;
await post(activity(sam, personal, { value: { ...cardInputs(ask), verb: 'escalation.submit', form_id: ask.actions[0].data.form_id,
  customer_name: 'Jane Smith', kind: 'further_action', reason: 'Threats continued after the informal warning.' } }));
await settle();
await seen('refused without the legal advice', /Legal advice given by/);
await shot('further-action-refused.png');

await page.getByLabel('Legal advice given by').last().fill('Legal Services (R. Khan)');
await page.getByLabel('Summary of the legal advice').last().fill('An injunction is proportionate and likely to be granted.');
await page.getByLabel('Officer staff refer contact about the matter to').last().fill('Priya Patel, Legal Services');
const date = page.getByLabel('Date of the legal advice').last();
await date.fill('2026-11-20').catch(async () => { await date.click(); await page.keyboard.type('11/20/2026'); });
await page.getByRole('button', { name: 'Send to the determination team' }).last().click();
await seen('sent', 'Sent to the determination team');

await switchConversation(page, channel);
await settle();
const decision = cardWith('escalation.approve');
const approve = decision.card.actions.find((a) => a.verb === 'escalation.approve');
for (const member of [harper, casey, lee]) {
  await post(activity(member, channel, { type: 'invoke', name: 'adaptiveCard/action', replyToId: decision.id,
    value: { action: { type: 'Action.Execute', verb: approve.verb, data: { ...approve.data, alternatives_considered: 'true' } } } }));
}
await settle();
await seen('approved by the three', /Approved on/);
await shot('further-action-approved.png');

await switchConversation(page, personal);
await typeAndSend(page, config, personal, 'check Jane Smith');
await settle();
await seen('what staff must do', /Further action is under way/);
await shot('further-action-status.png');
await browser.close();
