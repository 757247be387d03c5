// Browser tests of the staff admin panel (/admin/), in Debian's Chromium
// driven by playwright-core, against a real `flowtrack serve`. run.sh
// starts the server on a fresh database with one superuser and passes:
//   FLOWTRACK_E2E_BASE_URL   e.g. http://127.0.0.1:41234
//   FLOWTRACK_E2E_USERNAME   the superuser
//   FLOWTRACK_E2E_PASSWORD   its password
// The steps build on each other (a user, then their project, ...), so they
// run in order and the ones after a failed step are skipped.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const BASE = need('FLOWTRACK_E2E_BASE_URL').replace(/\/$/, '');
const ADMIN = need('FLOWTRACK_E2E_USERNAME');
const ADMIN_PASSWORD = need('FLOWTRACK_E2E_PASSWORD');
const SHOTS = process.env.FLOWTRACK_E2E_SCREENSHOTS ||
  fileURLToPath(new URL('./screenshots/', import.meta.url));
const CHROMIUM = process.env.FLOWTRACK_E2E_CHROMIUM || '/usr/bin/chromium';

const PASSWORD = 'Corr3ct-Horse-Battery!';
const XSS = '<script>alert(1)</script>';
const BLANK = 'This field may not be blank.';

function need(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the tests through e2e/run.sh`);
  return v;
}

// --- The browser ------------------------------------------------------------

// Never a downloaded browser, and nothing that calls home: Debian's build
// with a fresh, empty profile.
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-dev-shm-usage'];

/** Starts Chromium on a new profile; close() also removes the profile. */
async function openBrowser(options = {}) {
  const profile = mkdtempSync(join(tmpdir(), 'flowtrack-e2e-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, args: FLAGS,
    viewport: { width: 1280, height: 800 }, locale: 'en-US', timezoneId: 'UTC', ...options,
  });
  // Fail in seconds, not the default 30 s, when something never appears.
  context.setDefaultTimeout(10_000);
  const page = context.pages()[0] ?? await context.newPage();
  // The panel never needs a dialog: any one is a failure (see the XSS step).
  const dialogs = [];
  page.on('dialog', (d) => { dialogs.push(`${d.type()}: ${d.message()}`); d.dismiss().catch(() => {}); });
  // An error page or a script error would otherwise pass unnoticed.
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  return {
    page, dialogs, pageErrors,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

// --- Helpers over a page ------------------------------------------------------

const url = (path) => BASE + path;
const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** A RegExp for a path of the panel, with optional query, nothing else. */
const at = (pathRe) => new RegExp('^' + escapeRe(BASE) + pathRe + '(\\?.*)?$');

/**
 * Runs action (a click, a press of Enter) and waits for the document it
 * loads: a form's POST, its 303 redirect and the GET after it end with one
 * load event, so the page can be read right after. Returns the main
 * document's response.
 */
async function loads(page, action) {
  const [response] = await Promise.all([
    // The document's own response, not the redirect before it.
    page.waitForResponse((r) => r.request().isNavigationRequest() && r.request().frame() === page.mainFrame()
      && (r.status() < 300 || r.status() >= 400)),
    page.waitForEvent('load'),
    action(),
  ]);
  return response;
}

/** Opens a path of the panel and checks it answered 200. */
async function open(page, path) {
  const response = await page.goto(url(path));
  assert.equal(response.status(), 200, `GET ${path}`);
}

/** Follows a link, found by its text, within scope (a page or locator). */
async function follow(page, name, scope = page) {
  return loads(page, () => scope.getByRole('link', { name, exact: true }).first().click());
}

async function login(page, username, password) {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  return loads(page, () => page.getByRole('button', { name: 'Log in' }).click());
}

/**
 * Fills the fields of the page's form by name: a select by its option's
 * visible text, a checkbox by true or false, anything else as text.
 */
async function fillForm(page, values) {
  for (const [name, value] of Object.entries(values)) {
    const input = page.locator(`form.card [name="${name}"]`);
    if (typeof value === 'boolean') await input.setChecked(value);
    else if (await page.locator(`form.card select[name="${name}"]`).count()) await input.selectOption({ label: value });
    else await input.fill(value);
  }
}

/** Submits the page's form with its button; returns the response. */
async function submit(page, button = 'Save') {
  return loads(page, () => page.locator('form.card').getByRole('button', { name: button, exact: true }).click());
}

/** Checks the flash message shown after a save, word for word. */
async function expectFlash(page, message) {
  assert.deepEqual(await page.locator('p.flash').allTextContents(), [message]);
}

/** The id at the end of the current URL, as in /admin/tasks/7/. */
function idFromURL(page, kind) {
  const m = new URL(page.url()).pathname.match(new RegExp(`^/admin/${kind}/(\\d+)/$`));
  assert.ok(m, `expected /admin/${kind}/{id}/, at ${page.url()}`);
  return Number(m[1]);
}

/** The list's cells, row by row, as text. */
async function tableRows(page) {
  return page.locator('main table tbody tr').evaluateAll((trs) =>
    trs.map((tr) => [...tr.cells].map((td) => td.textContent)));
}

async function tableHeaders(page) {
  return page.locator('main table thead th').allTextContents();
}

/** The "N results" line of a list. */
async function resultCount(page) {
  return page.locator('p.count').textContent();
}

/** The messages shown beside one field of a form. */
async function fieldErrors(page, name) {
  return page.locator('.field', { has: page.locator(`#f-${name}`) }).locator('p.error').allTextContents();
}

/** Saves a full-page PNG into e2e/screenshots/. */
async function screenshot(page, name) {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/** Runs a list's filter form: search words and selects by option text. */
async function applyFilters(page, { q, ...selects }) {
  const form = page.locator('form.filters');
  if (q !== undefined) await form.locator('input[name="q"]').fill(q);
  for (const [name, label] of Object.entries(selects)) {
    await form.locator(`select[name="${name}"]`).selectOption({ label });
  }
  return loads(page, () => form.getByRole('button', { name: 'Apply' }).click());
}

const today = () => new Date().toISOString().slice(0, 10);

// --- The tests ----------------------------------------------------------------

describe('admin panel, as a superuser', () => {
  let b; // the browser
  let page;
  let broken = ''; // the first failed step: the steps after it are skipped
  const ids = {}; // ids of what the steps create, by name

  /** A step of the story; skipped once an earlier one failed. */
  function step(name, fn) {
    test(name, { timeout: 60_000 }, async (t) => {
      if (broken) return t.skip(`after the failed step "${broken}"`);
      try {
        await fn(t);
        // Every step: no dialog (an alert would be script injection) and no
        // script error, since the panel runs no script at all.
        assert.deepEqual(b.dialogs, [], 'no dialog may open');
        assert.deepEqual(b.pageErrors, [], 'no script error');
      } catch (err) {
        broken = name;
        // The page as it was, to see why.
        await screenshot(page, `failed-${name.replace(/\W+/g, '-')}`).catch(() => {});
        throw err;
      }
    });
  }

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    b = await openBrowser();
    page = b.page;
  });
  after(async () => { await b?.close(); });

  step('a page of the panel sends a stranger to the login page, which refuses a wrong password', async () => {
    await open(page, '/admin/users/');
    assert.match(page.url(), at('/admin/login/'));
    assert.equal(new URL(page.url()).searchParams.get('next'), '/admin/users/');
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Log in');
    await screenshot(page, '01-login');

    const response = await login(page, ADMIN, 'not-the-password');
    assert.equal(response.status(), 200);
    assert.deepEqual(await page.getByRole('alert').allTextContents(), [
      'Please enter the correct username and password for a staff account. ' +
      'Note that both fields may be case-sensitive.']);
    // The username is kept, the password is not.
    assert.equal(await page.getByLabel('Username').inputValue(), ADMIN);
    assert.equal(await page.getByLabel('Password').inputValue(), '');
  });

  step('logs in and lands on the page it was sent from', async () => {
    await login(page, ADMIN, ADMIN_PASSWORD);
    assert.match(page.url(), at('/admin/users/'));
    assert.equal(await page.locator('form.who span').textContent(), `${ADMIN} · superuser`);
    assert.equal(await page.locator('.top nav a.on').textContent(), 'Users');
    assert.deepEqual(await tableRows(page).then((rows) => rows.map((r) => r[0])), [ADMIN]);
  });

  step('creates a user, after a form sent back with a mismatched password', async () => {
    await follow(page, 'Add user');
    assert.match(page.url(), at('/admin/users/new/'));
    // New users are active and not staff unless ticked.
    assert.equal(await page.getByLabel('Active', { exact: true }).isChecked(), true);
    assert.equal(await page.getByLabel('Staff', { exact: true }).isChecked(), false);

    await fillForm(page, { username: 'alice', email: 'alice@example.com', password: PASSWORD, password2: PASSWORD + 'x' });
    const refused = await submit(page);
    assert.equal(refused.status(), 422);
    assert.deepEqual(await fieldErrors(page, 'password2'), ['The two password fields didn’t match.']);
    assert.equal(await page.locator('#f-username').inputValue(), 'alice', 'the form keeps what was typed');
    assert.equal(await page.locator('#f-password').inputValue(), '', 'a password is never sent back');
    await screenshot(page, '04-user-form');

    await fillForm(page, { password: PASSWORD, password2: PASSWORD });
    await submit(page);
    ids.alice = idFromURL(page, 'users');
    await expectFlash(page, 'The user “alice” was added.');
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Change user “alice”');
  });

  step('lists and searches the users', async () => {
    await follow(page, 'Users', page.locator('.top nav'));
    assert.deepEqual(await tableHeaders(page),
      ['Username', 'Email', 'Active', 'Staff', 'Superuser', 'Joined', 'Last login']);
    assert.equal(await resultCount(page), '2 results');
    await screenshot(page, '03-users-list');

    await applyFilters(page, { q: 'alice@' });
    assert.equal(await resultCount(page), '1 result');
    const [row] = await tableRows(page);
    assert.deepEqual(row.slice(0, 5), ['alice', 'alice@example.com', 'yes', 'no', 'no']);
    assert.match(row[5], new RegExp('^' + today() + ' \\d\\d:\\d\\d$'));
    assert.equal(row[6], 'never');

    await applyFilters(page, { q: '', staff: 'Yes' });
    assert.deepEqual((await tableRows(page)).map((r) => r[0]), [ADMIN]);
  });

  step('creates a project for the user, and one for the superuser', async () => {
    await open(page, '/admin/projects/');
    await follow(page, 'Add project');
    await fillForm(page, { owner: 'alice', name: 'Apollo', description: 'The moon shot.' });
    await submit(page);
    ids.apollo = idFromURL(page, 'projects');
    await expectFlash(page, 'The project “Apollo” was added.');
    assert.equal(await page.locator('#f-owner option:checked').textContent(), 'alice');
    assert.equal(await page.locator('#f-description').inputValue(), 'The moon shot.');
    await screenshot(page, '06-project-form');

    await open(page, '/admin/projects/new/');
    await fillForm(page, { owner: ADMIN, name: 'Zephyr' });
    await submit(page);
    ids.zephyr = idFromURL(page, 'projects');
    await expectFlash(page, 'The project “Zephyr” was added.');
  });

  step('creates a workflow in each project', async () => {
    // "Add a workflow" on the project's page chooses the project already.
    await open(page, `/admin/projects/${ids.apollo}/`);
    await follow(page, 'Add a workflow', page.locator('aside'));
    assert.equal(await page.locator('#f-project option:checked').textContent(), 'Apollo — alice');
    assert.equal(await page.locator('#f-status option:checked').textContent(), 'active');
    await fillForm(page, { name: 'Design' });
    await submit(page);
    ids.design = idFromURL(page, 'workflows');
    await expectFlash(page, 'The workflow “Design” was added.');
    await screenshot(page, '07-workflow-form');

    await open(page, '/admin/workflows/new/');
    await fillForm(page, { project: `Zephyr — ${ADMIN}`, name: 'Review', status: 'paused' });
    await submit(page);
    ids.review = idFromURL(page, 'workflows');
    await expectFlash(page, 'The workflow “Review” was added.');

    await follow(page, 'Workflows', page.locator('.top nav'));
    const rows = (await tableRows(page)).map((r) => r.slice(0, 5));
    assert.deepEqual(rows.sort(), [['Design', 'Apollo', 'alice', 'active', '0'], ['Review', 'Zephyr', ADMIN, 'paused', '0']]);
  });

  step('refuses a task with a blank title, then creates the user\'s tasks', async () => {
    await open(page, `/admin/workflows/${ids.design}/`);
    await follow(page, 'Add a task', page.locator('aside'));
    assert.equal(await page.locator('#f-workflow option:checked').textContent(), 'Design — Apollo — alice');
    await fillForm(page, { title: '   ', priority: 'high', due_date: '2031-01-15' });
    const refused = await submit(page);
    assert.equal(refused.status(), 422);
    assert.deepEqual(await fieldErrors(page, 'title'), [BLANK]);
    assert.deepEqual(await fieldErrors(page, 'priority'), []);
    // What was chosen is kept for the second try.
    assert.equal(await page.locator('#f-priority option:checked').textContent(), 'high');
    assert.equal(await page.locator('#f-due_date').inputValue(), '2031-01-15');
    await screenshot(page, '09-task-form-error');

    await fillForm(page, { title: 'Write the spec', description: 'Everything the lander must do.' });
    await submit(page);
    ids.spec = idFromURL(page, 'tasks');
    await expectFlash(page, 'The task “Write the spec” was added.');

    // Overdue: due in the past and not done.
    await open(page, `/admin/tasks/new/?workflow=${ids.design}`);
    await fillForm(page, { title: 'Draw the mockups', status: 'in_progress', priority: 'low', due_date: '2020-03-01' });
    await submit(page);
    ids.mockups = idFromURL(page, 'tasks');
    await expectFlash(page, 'The task “Draw the mockups” was added.');

    await open(page, `/admin/tasks/new/?workflow=${ids.design}`);
    await fillForm(page, { title: XSS, description: '<img src=x onerror=alert(2)>' });
    await submit(page);
    ids.xss = idFromURL(page, 'tasks');
    await expectFlash(page, `The task “${XSS}” was added.`);
  });

  step('shows a title with markup as text, and runs none of it', async () => {
    // On its own page: the heading, the input's value and the textarea.
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), `Change task “${XSS}”`);
    assert.equal(await page.locator('#f-title').inputValue(), XSS);
    assert.equal(await page.locator('#f-description').inputValue(), '<img src=x onerror=alert(2)>');
    // And in the list.
    await open(page, '/admin/tasks/?q=alert');
    assert.deepEqual((await tableRows(page)).map((r) => r[0]), [XSS]);
    assert.ok((await page.locator('body').textContent()).includes(XSS), 'the page shows the title literally');
    assert.equal(await page.locator('script, img').count(), 0, 'no element came from the data');
    assert.deepEqual(b.dialogs, []);
  });

  step('searches and filters the task list, and sorts it by a column', async () => {
    await follow(page, 'Tasks', page.locator('.top nav'));
    assert.deepEqual(await tableHeaders(page),
      ['Title', 'Workflow', 'Project', 'Owner', 'Status', 'Priority', 'Due', 'Updated']);
    assert.equal(await resultCount(page), '3 results');

    // Sorting: the Title header sorts up, then down.
    await follow(page, 'Title', page.locator('thead'));
    assert.deepEqual((await tableRows(page)).map((r) => r[0]), [XSS, 'Draw the mockups', 'Write the spec']);
    assert.equal(await page.locator('thead th').first().textContent(), 'Title ▲');
    await follow(page, 'Title ▲', page.locator('thead'));
    assert.deepEqual((await tableRows(page)).map((r) => r[0]), ['Write the spec', 'Draw the mockups', XSS]);

    // The search looks in descriptions too; a filter narrows it.
    await applyFilters(page, { q: 'lander' });
    assert.deepEqual((await tableRows(page)).map((r) => r[0]), ['Write the spec']);
    await applyFilters(page, { q: '', owner: 'alice', workflow: 'Design — Apollo — alice', priority: 'low' });
    const query = new URL(page.url()).searchParams;
    assert.equal(query.get('owner'), String(ids.alice));
    assert.equal(query.get('priority'), 'low');
    assert.equal(query.get('o'), '-title', 'the order is kept across filtering');
    assert.equal(await resultCount(page), '1 result');
    assert.deepEqual((await tableRows(page)).map((r) => r.slice(0, 7)),
      [['Draw the mockups', 'Design', 'Apollo', 'alice', 'in_progress', 'low', '2020-03-01']]);

    await applyFilters(page, { priority: 'all', overdue: 'Overdue' });
    assert.deepEqual((await tableRows(page)).map((r) => r[0]), ['Draw the mockups']);
    await applyFilters(page, { overdue: 'all', status: 'done' });
    assert.equal(await page.locator('p.empty').textContent(), 'Nothing matches.');
    assert.equal(await resultCount(page), '0 results');

    await applyFilters(page, { q: 'the', status: 'all' });
    assert.equal(await resultCount(page), '2 results');
    await screenshot(page, '08-task-list-filtered');
    await follow(page, 'Clear');
    assert.match(page.url(), at('/admin/tasks/'));
    assert.equal(await resultCount(page), '3 results');
  });

  step('moves a task to a workflow of another user\'s project', async () => {
    await open(page, `/admin/tasks/${ids.spec}/`);
    await fillForm(page, { workflow: `Review — Zephyr — ${ADMIN}` });
    await submit(page);
    assert.match(page.url(), at(`/admin/tasks/${ids.spec}/`));
    await expectFlash(page, 'The task “Write the spec” was changed.');
    assert.equal(await page.locator('#f-workflow option:checked').textContent(), `Review — Zephyr — ${ADMIN}`);

    // The task went to the superuser with the workflow.
    await open(page, `/admin/tasks/?q=spec`);
    assert.deepEqual((await tableRows(page)).map((r) => r.slice(0, 4)), [['Write the spec', 'Review', 'Zephyr', ADMIN]]);
    await open(page, '/admin/projects/?o=name');
    assert.deepEqual((await tableRows(page)).map((r) => r.slice(0, 4)),
      [['Apollo', 'alice', '1', '2'], ['Zephyr', ADMIN, '1', '1']]);
    await screenshot(page, '05-project-list');
  });

  step('deletes a project through its confirmation page, which lists what goes with it', async () => {
    await open(page, `/admin/projects/${ids.apollo}/`);
    await follow(page, 'Delete', page.locator('form.card'));
    assert.match(page.url(), at(`/admin/projects/${ids.apollo}/delete/`));
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Delete project “Apollo”');
    assert.deepEqual(await page.locator('ul.impact li').allTextContents(), ['1 workflow', '2 tasks']);
    assert.deepEqual(await page.locator('details li').allTextContents(),
      ['Workflow: Design', 'Task: Draw the mockups', `Task: ${XSS}`]);
    await screenshot(page, '10-delete-confirmation');

    // "No" goes back and deletes nothing.
    await follow(page, 'No, take me back');
    assert.match(page.url(), at(`/admin/projects/${ids.apollo}/`));

    await follow(page, 'Delete', page.locator('form.card'));
    await loads(page, () => page.getByRole('button', { name: 'Yes, delete' }).click());
    assert.match(page.url(), at('/admin/projects/'));
    await expectFlash(page, 'The project “Apollo” was deleted.');
    assert.deepEqual((await tableRows(page)).map((r) => r[0]), ['Zephyr']);

    // Its workflow and tasks are gone; the task moved out of it is not.
    await open(page, '/admin/tasks/');
    assert.deepEqual((await tableRows(page)).map((r) => r[0]), ['Write the spec']);
    const gone = await page.goto(url(`/admin/projects/${ids.apollo}/`));
    assert.equal(gone.status(), 404);
    assert.equal(await page.locator('main p').first().textContent(), 'There is nothing here: it may have been deleted.');
  });

  step('the action log shows every step', async () => {
    await open(page, '/admin/');
    await follow(page, 'Action log', page.locator('.top nav'));
    assert.deepEqual(await tableHeaders(page), ['When', 'Staff member', 'Action', 'Object', 'Changes']);
    const rows = await tableRows(page);
    // Newest first; columns: when, staff member, action, object, changes.
    const entries = rows.map(([, who, action, object]) => [who, action, object]);
    assert.deepEqual(entries, [
      [ADMIN, 'delete', `project “Apollo” (#${ids.apollo})`],
      [ADMIN, 'change', `task “Write the spec” (#${ids.spec})`],
      [ADMIN, 'create', `task “${XSS}” (#${ids.xss})`],
      [ADMIN, 'create', `task “Draw the mockups” (#${ids.mockups})`],
      [ADMIN, 'create', `task “Write the spec” (#${ids.spec})`],
      [ADMIN, 'create', `workflow “Review” (#${ids.review})`],
      [ADMIN, 'create', `workflow “Design” (#${ids.design})`],
      [ADMIN, 'create', `project “Zephyr” (#${ids.zephyr})`],
      [ADMIN, 'create', `project “Apollo” (#${ids.apollo})`],
      [ADMIN, 'create', `user “alice” (#${ids.alice})`],
    ]);
    for (const [when] of rows) assert.match(when, new RegExp('^' + today() + ' \\d\\d:\\d\\d:\\d\\d$'));

    const changes = rows.map((r) => r[4].split('\n'));
    // The move: the workflow, and with it the project and the owner.
    assert.deepEqual(changes[1], [
      `owner: alice (#${ids.alice}) → ${ADMIN} (#1)`,
      `project: Apollo (#${ids.apollo}) → Zephyr (#${ids.zephyr})`,
      `workflow: Design (#${ids.design}) → Review (#${ids.review})`,
    ]);
    // The delete: what went with the project.
    assert.deepEqual(changes[0], ['workflows deleted with it: 1', 'tasks deleted with it: 2']);
    assert.ok(changes[9].includes('username: alice') && changes[9].includes('is_staff: false'), changes[9].join(' | '));
    assert.ok(!rows[9][4].includes(PASSWORD), 'the log never shows a password');
    assert.ok(changes[8].includes(`owner: alice (#${ids.alice})`), changes[8].join(' | '));
    assert.ok(changes[6].includes('status: active'), changes[6].join(' | '));
    assert.ok(changes[4].includes('priority: high') && changes[4].includes('due_date: 2031-01-15'), changes[4].join(' | '));
    await screenshot(page, '11-action-log');

    // A deleted object is no longer linked; a live one is.
    const objects = page.locator('main tbody tr td:nth-child(4)');
    assert.equal(await objects.nth(0).locator('a').count(), 0);
    assert.equal(await objects.nth(1).locator('a').getAttribute('href'), `/admin/tasks/${ids.spec}/`);

    await applyFilters(page, { action: 'delete' });
    assert.deepEqual((await tableRows(page)).map((r) => r[3]), [`project “Apollo” (#${ids.apollo})`]);
    await applyFilters(page, { action: 'all', kind: 'workflow' });
    assert.deepEqual((await tableRows(page)).map((r) => r[3]),
      [`workflow “Review” (#${ids.review})`, `workflow “Design” (#${ids.design})`]);
  });

  step('the History link of a task shows that task\'s entries only', async () => {
    await open(page, `/admin/tasks/${ids.spec}/`);
    await follow(page, 'History', page.locator('aside'));
    assert.match(page.url(), at('/admin/log/'));
    assert.deepEqual((await tableRows(page)).map((r) => `${r[2]} ${r[3]}`), [
      `change task “Write the spec” (#${ids.spec})`,
      `create task “Write the spec” (#${ids.spec})`,
    ]);
  });

  step('the dashboard counts what is left and shows the recent actions', async () => {
    await follow(page, 'FlowTrack admin');
    assert.match(page.url(), at('/admin/'));
    const tiles = await page.locator('.tiles').first().locator('.tile').allTextContents();
    assert.deepEqual(tiles.map((t) => t.replace(/\s+/g, ' ').trim()),
      ['2users1 staff', '1projects', '1workflows', '1tasks0 overdue']);
    const byStatus = await page.locator('.tiles.small .tile').allTextContents();
    assert.deepEqual(byStatus, ['1todo', '0in_progress', '0blocked', '0done', '0overdue']);
    assert.equal((await tableRows(page)).length, 10);
    await screenshot(page, '02-dashboard');
  });

  step('logs out, after which the panel sends to the login page', async () => {
    await loads(page, () => page.getByRole('button', { name: 'Log out' }).click());
    assert.match(page.url(), at('/admin/login/'));
    assert.equal(await page.locator('p.flash').textContent(), 'You are logged out.');
    await open(page, '/admin/');
    assert.match(page.url(), at('/admin/login/'));
    assert.equal(new URL(page.url()).searchParams.get('next'), '/admin/');
    assert.equal(await page.locator('form.who').count(), 0);
  });

  step('the user made in the panel, who is not staff, cannot log in to it', async () => {
    const response = await login(page, 'alice', PASSWORD);
    assert.equal(response.status(), 403);
    assert.match(page.url(), at('/admin/login/'));
    assert.deepEqual(await page.getByRole('alert').allTextContents(),
      ['This account is not a staff account, so it cannot use the admin panel.']);
  });
});

describe('admin panel, with JavaScript switched off', () => {
  let b;
  before(async () => { b = await openBrowser({ javaScriptEnabled: false }); });
  after(async () => { await b?.close(); });

  test('logs in and saves a form', { timeout: 60_000 }, async () => {
    const { page } = b;
    // Proof that scripts are off in this browser.
    await page.goto('data:text/html,<title>off</title><script>document.title="on"</script>');
    assert.equal(await page.title(), 'off');

    await open(page, '/admin/');
    await login(page, ADMIN, ADMIN_PASSWORD);
    assert.match(page.url(), at('/admin/'));
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Dashboard');

    await open(page, '/admin/projects/new/');
    await fillForm(page, { owner: ADMIN, name: 'No script needed' });
    await submit(page);
    idFromURL(page, 'projects');
    await expectFlash(page, 'The project “No script needed” was added.');
    assert.deepEqual(b.dialogs, []);
  });
});
