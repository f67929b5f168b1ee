#!/usr/bin/env node
// Walks "warnings first" of issue 17 (s10, s11.1, s12.1) in the Agents Playground as Sam Staff, with `make run`
// running on a fresh database (delete data/uca-bot.db first):
//
//   node tools/playground/warnings_walk.mjs [output-dir]      (default docs/screenshots)
//
// Sam reports Jane Smith without giving an informal warning, then asks the team for a formal warning. The form comes
// back asking why without an earlier warning. Sam types why on the card as the Playground renders it and sends it
// again. The decision card in the team's channel shows that no warning is on record and Sam's reason.
import { cardInputs, switchConversation, typeAndSend } from './smoke.mjs';
import { startWalk } from './walk.mjs';

const { config, page, browser, user, activity, personal, channel, post, settle, cardWith, shot, expect } =
  await startWalk('warnings-walk', process.argv[2] || 'docs/screenshots', { width: 1400, height: 1600 });
const sam = user('Sam');
const seen = async (what, text) => {
  await page.getByText(text).last().waitFor({ timeout: 15_000 });
  console.log(`warnings-walk: ok: ${what}`);
};
const WHY = 'She threatened to follow me home; a second incident would put staff at risk.';

await typeAndSend(page, config, personal, 'report Jane Smith phone abusive');
await settle();
const form = cardWith('incident.submit').card;
const morgan = form.body.find((e) => e.id === 'line_manager_id')?.choices.find((c) => c.title === 'Morgan Manager');
await post(activity(sam, personal, { value: { ...cardInputs(form), verb: 'incident.submit', form_id: form.actions[0].data.form_id,
  description: 'Shouted and swore at me, and said she would wait for me outside.', line_manager_id: morgan ? morgan.value : '' } }));
await settle();
await seen('the confirmation', /INC-\d{4}-\d{4} recorded/);

await typeAndSend(page, config, personal, 'escalate Jane Smith');
await settle();
const ask = cardWith('escalation.submit').card;
await post(activity(sam, personal, { value: { ...cardInputs(ask), verb: 'escalation.submit', form_id: ask.actions[0].data.form_id,
  customer_name: 'Jane Smith', kind: 'formal_warning', reason: 'Threatening on the phone.' } }));
await settle();
await seen('the question', 'Why without an earlier warning?');
await shot('warning-asked-why.png');

await page.getByLabel('Why without an earlier warning?').last().fill(WHY);
await page.getByRole('button', { name: 'Send to the determination team' }).last().click();
await seen('sent', 'Sent to the determination team');

await switchConversation(page, channel);
await settle();
const decision = cardWith('escalation.approve').card;
expect('the decision card says no warning is on record', JSON.stringify(decision).includes('none on record'));
expect("the decision card gives Sam's reason", JSON.stringify(decision).includes('follow me home'));
await seen('the reason on the decision card', /follow me home/);
await shot('warning-reason-on-decision-card.png');
await browser.close();
