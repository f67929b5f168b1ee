#!/usr/bin/env node
// Issue 20: the report form, a `check` pick list and the decision card at phone width (a 390 px viewport), in the
// Agents Playground, with the bot running on a fresh database that holds two customers called Jane Smith:
//
//   rm -f data/uca-bot.db*; .venv/bin/python admin.py migrate
//   .venv/bin/python admin.py import-customers tools/playground/phone_customers.csv
//   make run
//   node tools/playground/phone_walk.mjs [output-dir]      (default docs/screenshots)
//
// The Playground's own page is laid out for a desktop (its chat column is at least 600 px wide), so once a card has
// arrived the walk lets that column shrink to the viewport, as the Teams mobile app's chat is, and closes the log
// panel; the card itself is the Playground's renderer at the width that leaves, about 310 px. Each screenshot is
// the whole message, however tall: nothing in it is cut off. Sam's `report` and `check` and the More details click
// are done in the Playground; the rest (the forms' submits, the request) are posted as the Playground would send
// them.
import { cardInputs, sendAs, switchConversation } from './smoke.mjs';
import { startWalk } from './walk.mjs';

const PLAYGROUND = process.env.PLAYGROUND_URL || 'http://localhost:56150';
const OUT = process.argv[2] || 'docs/screenshots';
const { config, page, browser, user, activity, personal, channel, post, settle, cardWith, expect } = await startWalk(
  'phone-walk', OUT, { width: 390, height: 844 });
const [sam, harper] = [user('Sam'), user('Harper')];

/** The chat column fitted to the phone's width, the log panel out of the way. */
const fitToPhone = async () => {
  await page.getByText('Log Panel', { exact: true }).locator('..').locator('button').last().click().catch(() => {});
  await page.evaluate(() => {
    for (const card of document.querySelectorAll('.ac-adaptiveCard')) {
      for (let n = card; n && n !== document.body; n = n.parentElement) {
        n.style.minWidth = '0';
        n.style.maxWidth = '100%';
        n.style.boxSizing = 'border-box';
      }
      const bubble = card.closest('.fai-OutputCard') || card.parentElement;
      const right = bubble.getBoundingClientRect().right;
      if (right > window.innerWidth - 8) bubble.style.width = `${bubble.getBoundingClientRect().width - (right - window.innerWidth + 8)}px`;
    }
  });
  await page.waitForTimeout(500);
};
/** A screenshot of the newest bot message, the whole of it: the viewport is made tall enough to hold it (still
 * 390 px wide), and the page is clipped to it. */
const cardShot = async (file, hasText = /./) => {
  await fitToPhone();
  const bubble = page.locator('.ac-adaptiveCard').filter({ hasText }).last();
  const { height } = await bubble.boundingBox();
  await page.setViewportSize({ width: 390, height: Math.ceil(height) + 400 });
  await fitToPhone();
  await bubble.scrollIntoViewIfNeeded();
  await page.waitForTimeout(500);
  const card = bubble;
  const overflow = await card.evaluate((el) => [...el.querySelectorAll('*')]
    .filter((e) => e.getBoundingClientRect().right > el.getBoundingClientRect().right + 1).map((e) => e.textContent.slice(0, 40)));
  const { width } = await card.boundingBox();
  expect(`${file}: the card ${Math.round(width)} px wide with nothing past its right edge (${overflow.join(' | ')})`,
    overflow.length === 0);
  const box = await bubble.boundingBox();
  await page.screenshot({ path: `${OUT}/${file}`, clip: { x: 0, y: box.y - 60, width: 390, height: box.height + 80 } });
  console.log(`phone-walk: ${OUT}/${file}`);
  await page.setViewportSize({ width: 390, height: 844 });
};
const report = async (name, extra) => {
  await post(activity(sam, personal, { text: `report ${name}` }));
  await settle();
  const form = cardWith('incident.submit').card;
  const managers = form.body.find((e) => e.id === 'line_manager_id');
  const morgan = managers?.choices.find((c) => c.title === 'Morgan Manager');
  const pick = form.body.find((e) => e.id === 'customer_choice');
  const first = pick?.choices.find((c) => c.title.includes('CT-100001'));
  await post(activity(sam, personal, { value: { ...cardInputs(form), verb: 'incident.submit', form_id: form.actions[0].data.form_id,
    channel: 'telephone', actions: 'abusive', line_manager_id: morgan ? morgan.value : '',
    customer_choice: first ? first.value : '', ...extra } }));
  await settle();
};

// 1. The report form, as Sam opens it for someone not on record yet; then with More details open.
await post(activity(sam, personal, { text: 'report Peter Brown phone abusive' }));
await settle();
await cardShot('phone-report-form.png');
await page.getByRole('button', { name: 'More details ▸' }).last().click();
await page.getByRole('button', { name: 'Fewer details ▴' }).last().waitFor();
expect('More details opens and says so', await page.getByRole('button', { name: 'More details ▸' }).last().isHidden());
await cardShot('phone-report-form-more-details.png');

// 2. `check Jane Smith`: two customers of that name, told apart by when they were born and their postcode.
await post(activity(sam, personal, { text: 'check Jane Smith' }));
await settle();
expect('a pick list for the two Jane Smiths', JSON.stringify(cardWith('customer.show').card).includes('Born 03/1961'));
await cardShot('phone-pick-list.png');

// 3. Four incidents about the first Jane Smith, a formal warning asked for, and the decision card in the channel.
await sendAs(PLAYGROUND, config, channel, harper, 'help');
const descriptions = [
  'Shouted and swore at me when told the repair date; ended the call after a warning.',
  'Called six times in an hour about the same repair and was abusive each time.',
  'Threatened to come to the office and "sort out" the housing officer.',
  'Abusive voicemail left overnight on the repairs line.',
];
for (const [index, description] of descriptions.entries()) {
  await report('Jane Smith', { description, informal_warning_given: index === 0 ? 'true' : 'false' });
}
await post(activity(sam, personal, { text: 'escalate CT-100001' }));
await settle();
const ask = cardWith('escalation.submit').card;
await post(activity(sam, personal, { value: { ...cardInputs(ask), verb: 'escalation.submit', form_id: ask.actions[0].data.form_id,
  customer_name: 'CT-100001', kind: 'formal_warning',
  reason: 'Four abusive contacts this month after an informal warning (s10, s11.1).' } }));
await settle();
// The conversation list is off the side of a phone-width page: it is opened at desktop width, as the walks do.
await page.setViewportSize({ width: 1400, height: 1000 });
const answered = cardWith('escalation.submit').card;
if (answered !== ask) console.log('phone-walk: the request came back:', JSON.stringify(answered.body.filter((b) => b.color === 'Attention').map((b) => b.text)));
await switchConversation(page, channel);
await page.setViewportSize({ width: 390, height: 844 });
await settle();
expect('the decision card with its evidence collapsed', JSON.stringify(cardWith('escalation.approve').card).includes('more incident'));
await cardShot('phone-decision-card.png', 'Ask for more information');
await browser.close();
