#!/usr/bin/env node
// Walks the flows of issue 15 in the Agents Playground and saves what Sam Staff sees, with `make run` running:
//
//   node tools/playground/outbox_walk.mjs [output-dir]      (default docs/screenshots)
//
// 1. Sam reports an incident. The confirmation comes at once; then the outbox tries Morgan Manager's personal chat,
//    which the playground answers with 404 (it only hosts the current user's), so Sam is told the truth.
// 2. Sam asks the determination team for a formal warning; Harper (posted as the playground would send it) asks
//    a question; the question reaches Sam through the outbox, and `work` lists it with a button that opens it.
// 3. In the group chat Sam types `check Jane Smith`: the group sees one line, the answer arrives in Sam's 1:1 chat.
import { cardInputs, switchConversation, typeAndSend } from './smoke.mjs';
import { startWalk } from './walk.mjs';

const walk = await startWalk('outbox-walk', process.argv[2] || 'docs/screenshots');
const { config, page, browser, cards, user, activity, personal, channel, group, post, settle, cardWith, expect, shot } = walk;
const [sam, harper] = [user('Sam'), user('Harper')];
const inputs = cardInputs;
const textOf = (card) => JSON.stringify(card.body);

// 1. The report, then the truthful line about Morgan.
await typeAndSend(page, config, personal, 'report Jane Smith phone abusive');
await settle();
const form = cardWith('incident.submit').card;
const morgan = form.body.find((e) => e.id === 'line_manager_id')?.choices.find((c) => c.title === 'Morgan Manager');
const began = Date.now();
await post(activity(sam, personal, { value: { ...inputs(form), verb: 'incident.submit', form_id: form.actions[0].data.form_id, informal_warning_given: 'true',
  description: 'Shouted and swore at me when told the repair date.', line_manager_id: morgan ? morgan.value : '' } }));
console.log(`outbox-walk: submit answered in ${Date.now() - began} ms`);
await settle();
expect('the confirmation', cards.some((c) => textOf(c.card).includes('recorded')));
expect('the truthful line about Morgan', cards.some((c) => textOf(c.card).includes('could not be reached in Teams')));
await shot('outbox-manager-unreachable.png');

// 2. A question from the team reaches Sam; `work` lists it and its button opens it.
await post(activity(sam, personal, { text: 'escalate Jane Smith' }));
await settle();
const ask = cardWith('escalation.submit').card;
await switchConversation(page, channel);  // the playground streams the open conversation's messages
await post(activity(sam, personal, { value: { ...inputs(ask), verb: 'escalation.submit', form_id: ask.actions[0].data.form_id,
  kind: 'formal_warning', reason: 'Third abusive call this month after an informal warning (s10, s11.1).' } }));
await settle();
const decision = cards.findLast((c) => c.conversation?.startsWith(channel.id) && JSON.stringify(c.card).includes('escalation.ask'));
expect('the decision card in the team channel, nobody having spoken there', Boolean(decision));
const askButton = decision.card.actions.find((a) => a.verb === 'escalation.ask');
await shot('outbox-decision-card.png');
await switchConversation(page, personal);
await post(activity(harper, channel, { type: 'invoke', name: 'adaptiveCard/action', replyToId: decision.id,
  value: { action: { type: 'Action.Execute', verb: askButton.verb, data: { ...askButton.data, notes: 'Which dates were the calls?' } } } }));
await settle();
expect("the team's question in Sam's chat", cards.some((c) => textOf(c.card).includes('Which dates were the calls?')));
await typeAndSend(page, config, personal, 'work');
await settle();
expect('work lists the question', textOf(cardWith('work.question').card).includes('Questions from the determination team'));
await shot('work-list.png');
await page.getByRole('button', { name: /answer|question/i }).last().click();
await settle();
await shot('work-question-opened.png');

// 3. `check` in the group chat answers privately.
await switchConversation(page, group);
await typeAndSend(page, config, group, 'check Jane Smith');
await settle();
await shot('group-check.png');
await switchConversation(page, personal);
await settle();
expect("the status in Sam's 1:1 chat", cards.some((c) => c.conversation === personal.id && textOf(c.card).includes('Jane Smith:')));
expect('nothing about Jane in the group', !cards.some((c) => c.conversation?.startsWith(group.id) && textOf(c.card).includes('Jane Smith')));
await shot('group-check-private-answer.png');
await browser.close();
