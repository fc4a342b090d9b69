// Drives `ixh mock --dialect genai` through the official @google/genai SDK and asserts on what the
// SDK returns (status, output_text, streamed deltas, event ids, error classes), never on the
// mock's bytes. Run by tests/sdk/run.sh, which installs the SDK versions into a scratch folder.
//
//   node genai_sdk_test.mjs IXH_BINARY SCENARIO_FILE MODULE[=LABEL]...
//
// MODULE is an installed package name (e.g. an npm alias of @google/genai@3.3.0). One mock with a
// manual clock serves every module; each module touches its own instances (`counted.<label>`),
// so their timelines and attempt counters never mix. Exits 0 when every assertion passed.

import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {createInterface} from 'node:readline';

const [ixh, scenario, ...modules] = process.argv.slice(2);
if (!ixh || !scenario || modules.length === 0) {
  console.error('usage: node genai_sdk_test.mjs IXH_BINARY SCENARIO_FILE MODULE[=LABEL]...');
  process.exit(2);
}

// Every wait is bounded: a stuck SDK call or mock fails the test instead of hanging CI.
const kCallTimeoutMs = 20000;

function withTimeout(promise, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${kCallTimeoutMs} ms`)),
                       kCallTimeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function startMock() {
  const child = spawn(ixh, ['mock', '--dialect', 'genai', '--clock', 'manual', scenario],
                      {stdio: ['ignore', 'pipe', 'inherit']});
  const ready = new Promise((resolve, reject) => {
    const lines = createInterface({input: child.stdout});
    lines.on('line', (line) => {
      const m = /^listening on (http:\/\/\S+)$/.exec(line);
      if (m) resolve(m[1]);
    });
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`ixh mock exited (${code}) before listening`)));
  });
  return {child, ready: withTimeout(ready, 'ixh mock start')};
}

async function admin(base, method, path) {
  const res = await fetch(base + path, {method});
  assert.equal(res.status, 200, `${method} ${path}`);
  return res.json();
}

async function collect(stream) {
  const events = [];
  for await (const ev of stream) events.push(ev);
  return events;
}

const textOf = (events) => events.filter((e) => e.event_type === 'step.delta' &&
                                             e.delta?.type === 'text')
                                 .map((e) => e.delta.text)
                                 .join('');

// output_text as the SDK gives it. The Speakeasy SDKs (JS >= 2.11) add it; the Stainless ones
// (2.0 - 2.10) return the interaction as sent, and their users read the last model_output step.
function outputText(it) {
  if ('output_text' in it || !Array.isArray(it.steps)) return it.output_text;
  const outputs = it.steps.filter((s) => s.type === 'model_output');
  return outputs.length === 0 ? undefined
                              : outputs.at(-1).content.filter((c) => c.type === 'text')
                                    .map((c) => c.text)
                                    .join('');
}

const kCompletedTypes = [
  'interaction.created', 'interaction.status_update', 'interaction.status_update', 'step.start',
  'step.delta', 'step.delta', 'step.delta', 'step.stop', 'interaction.completed',
];

async function runSdk(base, moduleSpec) {
  const [moduleName, label = moduleName] = moduleSpec.split('=');
  const sdk = await import(moduleName);
  const ai = new sdk.GoogleGenAI({apiKey: 'test-key', httpOptions: {baseUrl: base}});
  const get = (id, params, options) =>
      withTimeout(ai.interactions.get(id, params, options), `${label} get ${id}`);
  const results = [];
  const test = async (name, body) => {
    try {
      await body();
      results.push({name, ok: true});
      console.log(`ok   ${label} ${name}`);
    } catch (err) {
      results.push({name, ok: false});
      console.log(`FAIL ${label} ${name}: ${err?.stack ?? err}`);
    }
  };
  const counted = `counted.${label}`;

  await test('get: status, output_text, steps, usage', async () => {
    const it = await get(counted);
    assert.equal(it.id, counted);
    assert.equal(it.status, 'completed');
    assert.equal(outputText(it), '1, 2, 3, 4, 5.');
    assert.equal(it.input, undefined, 'input only with include_input');
    assert.deepEqual(it.steps.map((s) => s.type), ['user_input', 'model_output']);
    assert.equal(it.usage.total_input_tokens, 11);
    assert.equal(it.usage.total_output_tokens, 14);
    assert.equal(it.usage.total_tokens, 25);
    assert.match(it.created, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  await test('get with include_input', async () => {
    const it = await get(counted, {include_input: true});
    assert.equal(it.status, 'completed');
    assert.equal(it.input, 'Count from 1 to 5.');
    assert.equal(outputText(it), '1, 2, 3, 4, 5.');
  });

  let whole = [];
  await test('stream a completed interaction', async () => {
    whole = await collect(await get(counted, {stream: true}));
    assert.deepEqual(whole.map((e) => e.event_type), kCompletedTypes);
    assert.equal(textOf(whole), '1, 2, 3, 4, 5.');
    const ids = whole.map((e) => e.event_id);
    assert.ok(ids.every((id) => typeof id === 'string' && id.length > 0), 'every event has an id');
    assert.equal(new Set(ids).size, ids.length, 'event ids are unique');
    const last = whole.at(-1);
    assert.equal(last.interaction.status, 'completed');
    assert.equal(last.interaction.usage.total_tokens, 25);
  });

  await test('resume with last_event_id, mid-step and after the step.start frame', async () => {
    assert.ok(whole.length === kCompletedTypes.length, 'needs the whole stream');
    for (const at of [4, 3, 0]) {  // the first delta, step.start, interaction.created
      const resumed =
          await collect(await get(counted, {stream: true, last_event_id: whole[at].event_id}));
      assert.deepEqual(resumed.map((e) => e.event_id), whole.slice(at + 1).map((e) => e.event_id),
                       `resumed after ${whole[at].event_id}`);
      assert.equal(textOf(whole.slice(0, at + 1)) + textOf(resumed), '1, 2, 3, 4, 5.');
    }
    const afterEnd =
        await collect(await get(counted, {stream: true, last_event_id: whole.at(-1).event_id}));
    assert.deepEqual(afterEnd, [], 'nothing follows the last event');
  });

  await test('a stream cut inside an event resumes from that frame; verify judges it exact',
             async () => {
    // Two templates like `counted`, one whose first stream is cut 5 bytes into the first delta
    // frame (evt_000003), right after the step.start frame (evt_000003.1). The byte offset comes
    // from a whole stream of an instance whose id has the same length.
    const ref = `cutref_${label}.c`;
    const cut = `cutmid_${label}.c`;
    const timeline = [
      {after_ms: 0, state: 'RUNNING'}, {after_ms: 0, text: '1, 2'}, {after_ms: 0, text: ', 3, 4'},
      {after_ms: 0, text: ', 5.'}, {after_ms: 0, state: 'COMPLETED'},
    ];
    const define = async (faults) => {
      const name = (faults ? 'cutmid_' : 'cutref_') + label;
      const res = await fetch(`${base}/_mock/scenarios`, {
        method: 'POST',
        headers: {'content-type': 'application/json'},
        body: JSON.stringify({name, interactions: {[name]: {timeline, ...(faults && {faults})}}}),
      });
      assert.equal(res.status, 200, `POST /_mock/scenarios ${name}`);
    };
    await define(null);
    const raw = await (await fetch(`${base}/v1beta/interactions/${ref}?stream=true`)).text();
    const frame = raw.indexOf('"evt_000003.1"');
    assert.ok(frame > 0, 'the whole stream has a step.start frame evt_000003.1');
    const afterBytes = raw.indexOf('\n\n', frame) + 2 + 5;
    await define([{cut: {after_bytes: afterBytes}, attempts: [1]}]);

    // A cut stream (FIN without the last chunk) ends the SDKs' iteration quietly or with an
    // error, by version; either way the stream never completed, and a client resumes after the
    // last event_id it saw.
    const got = [];
    try {
      for await (const ev of await get(cut, {stream: true})) got.push(ev);
    } catch {
    }
    assert.equal(got.at(-1)?.event_id, 'evt_000003.1', 'the last whole frame is the step.start');
    const rest = await collect(await get(cut, {stream: true, last_event_id: got.at(-1).event_id}));
    assert.equal(rest[0]?.event_id, 'evt_000003');
    assert.equal(textOf(got) + textOf(rest), '1, 2, 3, 4, 5.');

    // The mock records a response's end just after its last bytes: wait (bounded) until it has.
    let verdict;
    for (let i = 0; i < 100; ++i) {
      const v = await admin(base, 'GET', '/_mock/verify');
      verdict = v.instances.find((x) => x.instance === cut);
      if (verdict && verdict.attempts.every((a) => a.ended !== '')) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.ok(verdict, `verify lists ${cut}`);
    assert.equal(verdict.ok, true, JSON.stringify(verdict));
    assert.equal(verdict.resumes.length, 1);
    assert.equal(verdict.resumes[0].last_event_id, 'evt_000003.1');
    assert.equal(verdict.resumes[0].verdict, 'exact');
    assert.deepEqual(verdict.lost, []);
    assert.deepEqual(verdict.duplicated, []);
  });

  await test('stream a running interaction live to its end', async () => {
    const live = `live.${label}`;
    const before = await get(live);
    assert.equal(before.status, 'in_progress');
    assert.equal(outputText(before), 'Once');
    assert.equal(before.usage, undefined, 'no usage before the end');
    const stream = await get(live, {stream: true});
    const events = [];
    for await (const ev of stream) {
      events.push(ev);
      // Each delta moves the mock's manual clock on to the next scripted moment.
      if (ev.event_type === 'step.delta') await admin(base, 'POST', '/_mock/clock/advance?ms=1000');
    }
    assert.equal(textOf(events), 'Once upon a time.');
    assert.equal(events.at(-1).event_type, 'interaction.completed');
    assert.equal(events.at(-1).interaction.status, 'completed');
    const statuses = events.filter((e) => e.event_type === 'interaction.status_update')
                         .map((e) => e.status);
    assert.deepEqual(statuses, ['queued', 'in_progress']);
    const after = await get(live);
    assert.equal(after.status, 'completed');
    assert.equal(outputText(after), 'Once upon a time.');
  });

  await test('unknown id raises NotFoundError', async () => {
    await assert.rejects(get(`no_such_template_${label}`), (err) => {
      assert.equal(err.constructor.name, 'NotFoundError');
      assert.equal(err.status, 404);
      return true;
    });
  });

  await test('429 with Retry-After is retried by the SDK', async () => {
    const limited = `limited.${label}`;
    const it = await get(limited);
    assert.equal(it.status, 'completed');
    assert.equal(outputText(it), 'Hello!');
    const journal = await admin(base, 'GET', '/_mock/journal');
    const entries = (journal.entries ?? journal).filter((e) => e.instance === limited);
    assert.deepEqual(entries.map((e) => e.status), [429, 200], 'two requests reached the mock');
    assert.match(entries[0].path, /^\/v1(beta)?\/interactions\/limited\./, 'the SDK\'s own path');
    const gap = entries[1].accept_unix_ms - entries[0].accept_unix_ms;
    assert.ok(gap >= 900, `the retry waited for Retry-After: 1 (gap ${gap} ms)`);
  });

  return results;
}

const {child, ready} = startMock();
let failed = 0;
try {
  const base = await ready;
  for (const spec of modules) {
    const results = await runSdk(base, spec);
    failed += results.filter((r) => !r.ok).length;
  }
} catch (err) {
  console.log(`FAIL ${err?.stack ?? err}`);
  failed += 1;
} finally {
  child.kill('SIGTERM');
}
console.log(failed === 0 ? 'genai SDK e2e: PASS' : `genai SDK e2e: ${failed} failure(s)`);
process.exit(failed === 0 ? 0 : 1);
