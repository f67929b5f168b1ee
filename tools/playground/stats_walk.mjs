#!/usr/bin/env node
// Walks `stats` (issue 19: s3, s4.3) in the Agents Playground as Harper Safety, a member of the determination team,
// on a fresh database filled with generated casework (3 years of it, 20,000 incidents):
//
//   rm -f data/uca-bot.db*; .venv/bin/python admin.py migrate
//   .venv/bin/python -m bench.oversight sqlite:///./data/uca-bot.db 20000
//   bash tools/run.sh --as harper            (PORT, PLAYGROUND_PORT and BOT_ENDPOINT as for make run)
//   node tools/playground/stats_walk.mjs [output-dir]      (default docs/screenshots)
//
// In her 1:1 chat Harper types a period the bot does not know and is told what to type; then `stats last month`,
// whose card is the digest's (docs/screenshots/digest.png: the Playground draws no Teams charts, so it shows each
// chart's fallback, the same figures as facts); then, in the team's channel, `stats this quarter`, answered there
// for the whole team. Between them she presses "Committee report (.docx, .csv)" and downloads the report from the
// links the bot gives her (docs/screenshots/committee-report-links.png). Each step is typed in the Playground and
// checked.
import { switchConversation, typeAndSend } from './smoke.mjs';
import { startWalk } from './walk.mjs';

const { config, page, browser, personal, channel, cards, expect, shot } = await startWalk(
  'stats-walk', process.argv[2] || 'docs/screenshots', { width: 1100, height: 3400 });
const seen = async (what, text) => {
  await page.getByText(text).last().waitFor({ timeout: 20_000 });
  console.log(`stats-walk: ok: ${what}`);
};
const lastCardText = () => JSON.stringify(cards[cards.length - 1]?.card ?? {});

await typeAndSend(page, config, personal, 'stats fortnight');
await seen('a period not understood is told what to type', /can't tell which period "fortnight" is/);

await typeAndSend(page, config, personal, 'stats last month');
await seen('the figures card', /Oversight figures: November 2026/);
expect('figures for the month with its charts', /Chart\.HorizontalBar/.test(lastCardText()) && /Incidents: /.test(lastCardText()));
expect('equality monitoring in aggregate only', /Equality monitoring/.test(lastCardText()));
await page.waitForTimeout(1500);
const card = page.locator('.ac-adaptiveCard').last();
await card.scrollIntoViewIfNeeded();
await card.screenshot({ path: `${process.argv[2] || 'docs/screenshots'}/digest.png` });
console.log(`stats-walk: ${process.argv[2] || 'docs/screenshots'}/digest.png`);

// The committee report: the card's button answers Harper with links signed for her; the .docx link opens the report.
await page.evaluate(() => { window.__opened = []; window.open = (url) => { window.__opened.push(String(url)); return null; }; });
await page.getByRole('button', { name: 'Committee report (.docx, .csv)' }).last().click();
const download = page.getByRole('link', { name: 'Download report (.docx)' }).last();
await download.waitFor({ timeout: 20_000 });
console.log('stats-walk: ok: the report links for Harper');
await download.click();
await page.waitForTimeout(500);
const [opened] = await page.evaluate(() => window.__opened);
expect('the download button opens a signed /reports/ link', /\/reports\/2026-11\.docx\?user=/.test(opened || ''));
const response = await fetch(opened);
const body = Buffer.from(await response.arrayBuffer());
expect('the link gives Harper the .docx', response.status === 200
  && (response.headers.get('content-type') || '').startsWith('application/vnd.openxmlformats')
  && body.subarray(0, 2).toString() === 'PK');
const csv = page.getByRole('link', { name: 'Download figures (.csv)' }).last();
await csv.scrollIntoViewIfNeeded();
const box = await page.locator('.ac-adaptiveCard').last().boundingBox();
const buttons = await csv.boundingBox();
await page.screenshot({ path: `${process.argv[2] || 'docs/screenshots'}/committee-report-links.png`,
  clip: { x: box.x, y: buttons.y - 420, width: box.width, height: buttons.height + 480 } });
console.log(`stats-walk: ok: the .docx downloaded (${body.length} bytes)`);

await page.setViewportSize({ width: 1400, height: 1600 });
await page.mouse.wheel(0, -10000);
await switchConversation(page, channel);
await typeAndSend(page, config, channel, 'stats this quarter');
await seen('the quarter so far, in the team channel', /Q4 2026 \(October to December\), so far/);
await shot('stats-channel.png');
await browser.close();
