#!/usr/bin/env node
// Walks a refused click in the Agents Playground as Harper Safety (issue 20): the decision card comes back with what
// she typed. With the bot and the playground running as Harper (`bash tools/run.sh --as harper`) on a database where
// Sam has reported Jane Smith naming Morgan as his line manager and Morgan has asked for a restriction (by hand:
// `start.sh --as sam`, `report Jane Smith phone abusive`; `--as morgan`, `escalate Jane Smith`):
//
//   node tools/playground/typed_values_walk.mjs [output-dir]      (default docs/screenshots)
//
// Harper opens the decision card from `work`, types her notes, and presses Approve without ticking the s11.2 box:
// the card says why nothing was recorded, with her notes still in the box.
import { typeAndSend } from './smoke.mjs';
import { startWalk } from './walk.mjs';

const { config, page, browser, personal, settle, shot, expect } =
  await startWalk('typed-values-walk', process.argv[2] || 'docs/screenshots', { width: 1400, height: 1600 });
const NOTES = 'Three abusive calls this month; a meeting was offered and refused.';

await typeAndSend(page, config, personal, 'work');
await settle();
await page.getByRole('button', { name: 'Open the decision card' }).last().click();
await settle();
await page.getByLabel(/Decision notes/).last().fill(NOTES);
await page.getByRole('button', { name: 'Approve' }).last().click();
await settle();
await page.getByText(/Confirm that reasonable adjustments/).last().waitFor({ timeout: 15_000 });
const kept = await page.getByLabel(/Decision notes/).last().inputValue();
expect('the notes are still in the box after the refusal', kept === NOTES);
await shot('decision-refused-notes-kept.png');
await browser.close();
