#!/usr/bin/env node
// Walks a review's extension (issue 18: s13.2) in the Agents Playground as Sam Staff, with the bot running with the
// review already within its reminder lead on a fresh database:
//
//   rm -f data/uca-bot.db*; REMINDER_LEAD_DAYS=120 make run
//   node tools/playground/review_walk.mjs [output-dir]      (default docs/screenshots)
//
// Sam reports Jane Smith (an informal warning given) and asks for a restriction; Harper and Casey approve it
// (posted as the playground would send their clicks), so Sam owns its review. From `work` he opens the review, types
// why and asks the team to extend it: refused, since he reported the incidents it weighs. He reassigns it to Morgan,
// who asks the team to extend it; the decision card goes to the team's channel, where Lee, who took no part,
// approves it. Sam's own steps are clicks and typing in the Playground; Morgan's are posted.
import { cardInputs, switchConversation, typeAndSend } from './smoke.mjs';
import { startWalk } from './walk.mjs';

const { config, page, browser, user, activity, personal, channel, post, settle, cardWith, shot } = await startWalk(
  'review-walk', process.argv[2] || 'docs/screenshots', { width: 1400, height: 1600 });
const [sam, harper, casey, lee] = [user('Sam'), user('Harper'), user('Casey'), user('Lee')];
const seen = async (what, text) => {
  await page.getByText(text).last().waitFor({ timeout: 15_000 });
  console.log(`review-walk: ok: ${what}`);
};
const invoke = (who, cardId, action) => post(activity(who, channel, { type: 'invoke', name: 'adaptiveCard/action',
  replyToId: cardId, value: { action: { type: 'Action.Execute', verb: action.verb, data: { ...action.data, alternatives_considered: 'true' } } } }));

await typeAndSend(page, config, personal, 'report Jane Smith phone abusive');
await settle();
const form = cardWith('incident.submit').card;
const morgan = form.body.find((e) => e.id === 'line_manager_id')?.choices.find((c) => c.title === 'Morgan Manager');
await post(activity(sam, personal, { value: { ...cardInputs(form), verb: 'incident.submit', form_id: form.actions[0].data.form_id,
  informal_warning_given: 'true', description: 'Shouted and swore at me again.', line_manager_id: morgan ? morgan.value : '' } }));
await settle();
await typeAndSend(page, config, personal, 'escalate Jane Smith');
await settle();
const ask = cardWith('escalation.submit').card;
await post(activity(sam, personal, { value: { ...cardInputs(ask), verb: 'escalation.submit', form_id: ask.actions[0].data.form_id,
  customer_name: 'Jane Smith', kind: 'restriction', reason: 'Abuse continued after the informal warning.',
  investigation_reference: 'HS-2026-044', restrictions: 'written_only' } }));
await settle();
const decision = cardWith('escalation.approve');
const approve = decision.card.actions.find((a) => a.verb === 'escalation.approve');
for (const member of [harper, casey]) await invoke(member, decision.id, approve);
await settle();

await typeAndSend(page, config, personal, 'work');
await settle();
await page.getByRole('button', { name: 'Open the review' }).last().click();
await seen('the review card', /Ask the team to extend 3 months/);
await page.getByLabel(/Reason \(needed to extend/).last().fill('Still writing abusive letters to the housing team.');
await page.getByText('Customer advised', { exact: true }).last().click();
await page.getByRole('button', { name: 'Ask the team to extend 3 months' }).last().click();
// Sam reported the incidents the review weighs, so he may not decide it (s13, s2.6): the card says so.
await seen('the reporter refused', /You reported incidents this review weighs/);
await shot('review-reporter-refused.png');

// He reassigns it to Morgan (posted with the card's choice), who asks the team to extend it (posted as the
// playground would send Morgan's click; it shows one user at a time).
const review = cardWith('review.reassign').card;
const reassign = review.actions.find((a) => a.verb === 'review.reassign');
const morganId = review.body.find((e) => e.id === 'owner_id').choices.find((c) => c.title === 'Morgan Manager').value;
await post(activity(sam, personal, { type: 'invoke', name: 'adaptiveCard/action', value: { action: {
  type: 'Action.Execute', verb: reassign.verb, data: { ...reassign.data, owner_id: morganId } } } }));
const morganChat = { ...personal, id: personal.id.replace(/sam-staff/, 'morgan-manager') };
await post(activity(user('Morgan'), morganChat, { type: 'invoke', name: 'adaptiveCard/action', value: { action: {
  type: 'Action.Execute', verb: 'review.extend', data: { review_id: reassign.data.review_id,
    reason: 'Still writing abusive letters to the housing team.', customer_advised: 'true' } } } }));
await settle();
await switchConversation(page, channel);
await settle();
const extension = cardWith('escalation.approve');
await invoke(lee, extension.id, extension.card.actions.find((a) => a.verb === 'escalation.approve'));
await settle();
await seen('the extension approved in the channel', /Approved on/);
await shot('review-extension-approved.png');
await browser.close();
