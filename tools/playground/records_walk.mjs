#!/usr/bin/env node
// Walks the record corrections of issue 16 in the Agents Playground as Sam Staff, with `make run` running on a
// fresh database (delete data/uca-bot.db first):
//
//   node tools/playground/records_walk.mjs [output-dir]      (default docs/screenshots)
//
// Sam reports Jane Smith; from the confirmation he notes a need she mentioned and amends his report with a reason.
// He asks the team for a formal warning, Harper approves it (posted as the playground would send her click), so he
// is the case owner; `check Jane Smith` then offers Edit record, and he adds her postcode. Sam's own steps are clicks
// on the cards as the Playground renders them.
import { cardInputs, switchConversation, typeAndSend } from './smoke.mjs';
import { startWalk } from './walk.mjs';

const { config, page, browser, user, activity, personal, channel, post, settle, cardWith, shot } = await startWalk(
  'records-walk', process.argv[2] || 'docs/screenshots', { width: 1400, height: 1600 });
const [sam, harper] = [user('Sam'), user('Harper')];
const seen = async (what, text) => {
  await page.getByText(text).last().waitFor({ timeout: 15_000 });
  console.log(`records-walk: ok: ${what}`);
};
const click = (name) => page.getByRole('button', { name }).last().click();

await typeAndSend(page, config, personal, 'report Jane Smith phone abusive');
await settle();
const form = cardWith('incident.submit').card;
const morgan = form.body.find((e) => e.id === 'line_manager_id')?.choices.find((c) => c.title === 'Morgan Manager');
await post(activity(sam, personal, { value: { ...cardInputs(form), verb: 'incident.submit', form_id: form.actions[0].data.form_id, informal_warning_given: 'true',
  description: 'Shouted and swore at me when told the repair date.', line_manager_id: morgan ? morgan.value : '' } }));
await settle();
await seen('the confirmation', /INC-\d{4}-\d{4} recorded/);

// A need Jane mentioned, added to her record from the confirmation.
await click('Note an adjustment or need');
await seen('the need form', 'note an adjustment or need');
await page.getByLabel('An adjustment they asked for or need (s4.3)').last().fill('Needs letters in large print');
await click('Add to their record');
await seen('the need added', 'Added to their record');
await shot('record-need-noted.png');

// Sam amends his report, with a reason.
await click('Amend this report');
await seen('the amend form', /Amend incident INC-/);
await page.getByLabel('Why are you amending it?').last().fill('I left out what she said about the letter.');
await page.getByLabel('What happened?').last().fill('Shouted and swore at me when told the repair date, and said she could not read our letters.');
await click('Save amendment');
await seen('the amendment saved', /amended \(version 2\)/);
await shot('incident-amended.png');

// A formal warning approved: Sam owns the case, and may edit Jane's record from her status.
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
await typeAndSend(page, config, personal, 'check Jane Smith');
await settle();
await click('Edit record');
await seen('the edit form', 'Jane Smith: edit record');
await page.getByLabel('Postcode').last().fill('EX2 2BB');
await click('Save');
await seen('the record updated', /Record updated/);
await shot('record-edited.png');
await browser.close();
