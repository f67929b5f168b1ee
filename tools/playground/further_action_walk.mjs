#!/usr/bin/env node
// Walks further action from Teams (issue 18: s14) in the Agents Playground as Sam Staff, with `make run` running on
// a fresh database (delete data/uca-bot.db first):
//
//   node tools/playground/further_action_walk.mjs [output-dir]      (default docs/screenshots)
//
// Sam reports Jane Smith (an informal warning given) and asks the team for further action: the form says only a
// manager can. Morgan, his line manager, asks (posted as the playground would send it, since it shows one user):
// refused without the legal advice, then sent with it. Harper, Casey and Lee approve it, and `check Jane Smith` then
// tells Sam what to do.
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

// Sam is not a manager: the form comes back saying so (s14, s15.4).
await typeAndSend(page, config, personal, 'escalate Jane Smith');
await settle();
const ask = cardWith('escalation.submit').card;
const particulars = { legal_advice_by: 'Legal Services (R. Khan)', legal_advice_on: '2026-11-20',
  legal_advice_summary: 'An injunction is proportionate and likely to be granted.', contact_officer: 'Priya Patel, Legal Services' };
await post(activity(sam, personal, { value: { ...cardInputs(ask), verb: 'escalation.submit', form_id: ask.actions[0].data.form_id,
  customer_name: 'Jane Smith', kind: 'further_action', reason: 'Threats continued after the informal warning.', ...particulars } }));
await settle();
await seen('refused: only a manager', /Only a manager can ask for further action/);
await shot('further-action-refused.png');

// Morgan, Sam's line manager, asks (posted as the playground would send his submit): first without the legal
// advice, refused, then with it.
const morganUser = user('Morgan');
const morganChat = { ...personal, id: personal.id.replace(/sam-staff/, 'morgan-manager') };
const request = { verb: 'escalation.submit', form_id: 'walk-further-action', customer_name: 'Jane Smith', kind: 'further_action',
  reason: 'Threats continued after the informal warning.' };
await post(activity(morganUser, morganChat, { text: 'escalate Jane Smith' }));
await post(activity(morganUser, morganChat, { value: request }));
await post(activity(morganUser, morganChat, { value: { ...request, ...particulars } }));
await settle();
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
