#!/usr/bin/env node
// Walks what happens after a decision (issue 17: s16, s11.4, s17) in the Agents Playground as Sam Staff, with
// `make run` running on a fresh database (delete data/uca-bot.db first):
//
//   node tools/playground/after_decision_walk.mjs [output-dir]      (default docs/screenshots)
//
// Sam reports Jane Smith (an informal warning given at the time) and asks for a restriction that places her
// correspondence on file; Harper and Casey approve it (posted as the playground would send their clicks), so Sam
// owns the case. `check Jane Smith` then offers Log correspondence and Complaint or appeal. Sam logs a letter,
// reviews it on the card the bot sends him (a safeguarding concern, which goes to the team's channel), records
// Jane's appeal, and Lee, who took no part, lifts the restriction on the appeal card. Sam's own steps are clicks on
// the cards as the Playground renders them; forms with drop-downs are posted with the card's own inputs.
import { cardInputs, switchConversation, typeAndSend } from './smoke.mjs';
import { startWalk } from './walk.mjs';

const { config, page, browser, user, activity, personal, channel, post, settle, cardWith, shot, expect } =
  await startWalk('after-decision-walk', process.argv[2] || 'docs/screenshots', { width: 1400, height: 1600 });
const [sam, harper, casey, lee] = [user('Sam'), user('Harper'), user('Casey'), user('Lee')];
const seen = async (what, text) => {
  await page.getByText(text).last().waitFor({ timeout: 15_000 });
  console.log(`after-decision-walk: ok: ${what}`);
};
const click = (name) => page.getByRole('button', { name }).last().click();
const invoke = (who, conversation, cardId, action, data) => post(activity(who, conversation, {
  type: 'invoke', name: 'adaptiveCard/action', replyToId: cardId,
  value: { action: { type: 'Action.Execute', verb: action.verb, data: { ...action.data, ...data } } } }));

await typeAndSend(page, config, personal, 'report Jane Smith phone abusive');
await settle();
const form = cardWith('incident.submit').card;
const morgan = form.body.find((e) => e.id === 'line_manager_id')?.choices.find((c) => c.title === 'Morgan Manager');
await post(activity(sam, personal, { value: { ...cardInputs(form), verb: 'incident.submit', form_id: form.actions[0].data.form_id,
  informal_warning_given: 'true', description: 'Shouted and swore at me; said he would keep writing until we gave in.',
  line_manager_id: morgan ? morgan.value : '' } }));
await settle();

await typeAndSend(page, config, personal, 'escalate Jane Smith');
await settle();
const ask = cardWith('escalation.submit').card;
await post(activity(sam, personal, { value: { ...cardInputs(ask), verb: 'escalation.submit', form_id: ask.actions[0].data.form_id,
  customer_name: 'Jane Smith', kind: 'restriction', reason: 'Abuse continued after the informal warning.',
  investigation_reference: 'HS-2026-031', restrictions: 'written_only,correspondence_on_file' } }));
await settle();
const decision = cardWith('escalation.approve');
const approve = decision.card.actions.find((a) => a.verb === 'escalation.approve');
for (const member of [harper, casey]) await invoke(member, channel, decision.id, approve, { alternatives_considered: 'true' });
await settle();

// The status card offers what a restriction with correspondence on file needs.
await typeAndSend(page, config, personal, 'check Jane Smith');
await settle();
await seen('Log correspondence offered', 'Log correspondence');
await seen('Complaint or appeal offered', 'Complaint or appeal');

await click('Log correspondence');
await settle();
const logForm = cardWith('correspondence.save').card;
const save = logForm.actions.find((a) => a.data?.verb === 'correspondence.save' || a.verb === 'correspondence.save');
await post(activity(sam, personal, { value: { ...cardInputs(logForm), ...save.data, verb: 'correspondence.save', channel: 'letter',
  summary: 'A letter about the repair; says he cannot cope and has stopped eating.' } }));
await settle();
await seen('logged', /Logged/);

// Sam, the case owner, reviews it on the card the bot sent him.
await seen('the review card', 'What did the review find? (s16.1)');
await page.getByText('A safeguarding concern: the determination team is told at once').last().click();
await page.getByLabel(/What the new information or the concern is/).last().fill('He says he has stopped eating: a welfare check is needed.');
await shot('correspondence-review.png');
await click('Record the review');
await settle();
await switchConversation(page, channel);
await settle();
await seen('the concern in the team channel', /safeguarding/i);
await shot('correspondence-safeguarding-in-channel.png');

// Jane appeals; Sam records it from her status card.
await switchConversation(page, personal);
await typeAndSend(page, config, personal, 'check Jane Smith');
await settle();
await click('Complaint or appeal');
await settle();
const appealForm = cardWith('appeal.record').card;
const record = appealForm.actions.find((a) => (a.data?.verb || a.verb) === 'appeal.record');
const today = new Date().toISOString().slice(0, 10);
await post(activity(sam, personal, { value: { ...cardInputs(appealForm), ...record.data, verb: 'appeal.record', kind: 'appeal',
  received_on: today, channel: 'letter', grounds: 'He says the calls were about a repair that is still not done.' } }));
await settle();
const appealCard = cardWith('appeal.decide');
await switchConversation(page, channel);
await settle();
await seen('the appeal card in the team channel', /appeal/i);
await shot('appeal-card-in-channel.png');
const decide = appealCard.card.actions.find((a) => a.verb === 'appeal.decide');
await invoke(lee, channel, appealCard.id, decide, { outcome: 'lifted', reasons: 'The repair is the cause; restriction lifted while it is put right.' });
await settle();
await seen('the outcome on the appeal card', /Lifted/);
await shot('appeal-lifted.png');
await browser.close();
