/**
 * Regenerates protocol/fixtures/{valid,invalid}/*.json (run: node --import tsx test/protocol/generate-fixtures.ts).
 * Kept beside the tests because it needs sharp and node:fs, which protocol/ may not import.
 */
import sharp from 'sharp';
import { rmSync, writeFileSync } from 'node:fs';
import { PROTOCOL_VERSION } from '../../protocol/index.ts';
const dir = new URL('../../protocol/fixtures', import.meta.url).pathname;
const raw = Buffer.alloc(4 * 4 * 3);
for (let i = 0; i < 16; i++) { raw[i * 3] = 200; raw[i * 3 + 1] = (i * 16) & 255; raw[i * 3 + 2] = 40; }
const png = await sharp(raw, { raw: { width: 4, height: 4, channels: 3 } }).png().toBuffer();
const jpeg = await sharp(raw, { raw: { width: 4, height: 4, channels: 3 } }).jpeg({ quality: 80 }).toBuffer();
const png64 = png.toString('base64');
/** Masks (greyscale: white paints): a 4x4 one (the content's shape) and 2x2 and 4x2 ones. */
const maskPng = async (width: number, height: number) => (await sharp(Buffer.alloc(width * height, 255).fill(0, 0, width), { raw: { width, height, channels: 1 } }).png().toBuffer()).toString('base64');
const mask4x4 = await maskPng(4, 4);
const mask2x2 = await maskPng(2, 2);
const mask4x2 = await maskPng(4, 2);
const jpeg64 = jpeg.toString('base64');
console.log(png.length, jpeg.length);
const P = PROTOCOL_VERSION;
/** 32 bytes as hex: shares, confirmations, nonces and proofs (their values are arbitrary here). */
const H = (byte: string) => byte.repeat(32);
const KEY_ID = '3f9a0c2e71b4d856';
// Files no longer written (protocol 1's tokens and plain codes) must not linger.
for (const gone of ['valid/client-hello-with-token', 'invalid/hello-short-token', 'invalid/hello-token-bad-chars', 'invalid/pair-letters', 'invalid/pair-short', 'invalid/pair-number']) rmSync(`${dir}/${gone}.json`, { force: true });
const write = (kind: string, name: string, obj: object) => writeFileSync(`${dir}/${kind}/${name}.json`, JSON.stringify(obj, null, 2) + '\n');
const v = (name: string, from: string, description: string, rest: object) => write('valid', name, { description, from, ...rest });
const inv = (name: string, code: string, description: string, rest: object, from = 'client') => write('invalid', name, { description, from, expectedCode: code, ...rest });
const c0 = { id: 'c0', mime: 'image/png', width: 4, height: 4 };
const s0 = { id: 's0', mime: 'image/jpeg', width: 4, height: 4 };
const stylize = (over: object = {}) => ({ type: 'stylize', requestId: 'req-1', content: [c0], styles: [{ image: s0, weight: 1 }], options: { preset: 'fast', width: 32, height: 32, iterations: 4 }, ...over });
const att = { c0: png64, s0: jpeg64 };
// valid, client
v('client-hello-unpaired', 'client', 'First hello of a client that has no key yet.', { message: { type: 'hello', protocol: P, client: { name: 'atelier-figma', version: '0.1.0' } } });
v('client-hello-with-key', 'client', 'Hello of a paired client naming its key and sending a fresh nonce (nothing derived from the key).', { message: { type: 'hello', protocol: P, client: { name: 'atelier-figma', version: '0.1.0' }, auth: { keyId: KEY_ID, nonce: H('a1') } } });
v('client-hello-capabilities', 'client', 'A hello announcing that the client reads daemon-state (and a welcome without an engine).', { message: { type: 'hello', protocol: P, client: { name: 'atelier-figma', version: '0.2.0' }, auth: { keyId: KEY_ID, nonce: H('b2') }, capabilities: ['daemon-state'] } });
v('client-pair', 'client', 'SPAKE2 share pA on the code the designer read from the daemon (the code never travels).', { message: { type: 'pair', share: H('c3') } });
v('client-pair-invite', 'client', 'SPAKE2 share pA to a team server (its welcome listed team-invite): `invite` is the code\'s first 2 digits, naming which designer\'s invite the share answers; the whole code stays the password.', { message: { type: 'pair', share: H('c3'), invite: '27' } });
v('client-pair-confirm', 'client', 'The client\'s key confirmation cA, once the daemon\'s cB matched.', { message: { type: 'pair-confirm', confirm: H('d4') } });
v('client-auth', 'client', 'The client\'s proof of its key, once the daemon\'s proof checked out.', { message: { type: 'auth', proof: H('e5') } });
v('client-stylize', 'client', 'One PNG content frame, one JPEG style, a preset and overrides, in a binary envelope.', { message: stylize(), attachments: att });
v('client-stylize-multi', 'client', 'Two content frames and a blend of two styles with every kind of option.', {
  message: {
    type: 'stylize', requestId: 'batch:7',
    content: [c0, { ...c0, id: 'c1' }],
    styles: [{ image: s0, weight: 3 }, { image: { ...c0, id: 's1' }, weight: 1 }],
    options: { preset: 'quality', width: 512, height: 384, maxSide: 512, stages: 2, scale: 2, iterations: 200, contentLayers: ['relu4_2'], styleLayers: ['relu1_1', 'relu2_1', 'relu3_1', 'relu4_1', 'relu5_1'], contentWeight: 1, styleWeight: 1e5, tvWeight: 0.001, optimizer: 'lbfgs', learningRate: 1, lrStep: 100, lrGamma: 0.5, historySize: 10, init: 'noise', seed: 42, progressEvery: 1, previewEvery: 10, previewMaxSide: 256 },
  },
  attachments: { c0: png64, c1: png64, s0: jpeg64, s1: png64 },
});
v('client-stylize-style-scale', 'client', 'A relative style strength: twice the preset\'s style weight.', { message: stylize({ options: { preset: 'classic', width: 32, height: 32, iterations: 4, styleScale: 2 } }), attachments: att });
v('client-stylize-colors', 'client', 'Keep the content\'s colours, with the style at twice the content\'s size (larger strokes).', { message: stylize({ options: { preset: 'painterly', colors: 'content', styleSize: 2 } }), attachments: att });
v('client-stylize-no-options', 'client', 'Options are optional: the default preset applies.', { message: { ...stylize(), options: undefined }, attachments: att });
v('client-cancel', 'client', 'Cancel a queued or running job.', { message: { type: 'cancel', jobId: 'job-3' } });
v('client-get-status', 'client', 'Ask for the queue and the running job.', { message: { type: 'get-status' } });
v('client-estimate', 'client', 'Ask what a 4096×3072 job with the balanced preset would take (daemons with the estimate capability).', { message: { type: 'estimate', requestId: 'est-1', width: 4096, height: 3072, options: { preset: 'balanced', maxSide: 4096 } } });
v('client-estimate-regions', 'client', 'The estimate of a job whose content image will have two masked regions (daemons with the regions capability): the memory plan counts their masks.', { message: { type: 'estimate', requestId: 'est-4', width: 2048, height: 1536, options: { preset: 'balanced' }, regions: 2 } });
const placement = { document: '0:1 Landing page', label: 'Hero · Starry Night', data: '{"v":1,"items":[{"source":"12:34","name":"Hero · Starry Night"}]}' };
v('client-stylize-placement', 'client', 'A job with a placement (daemons with the jobs capability): it belongs to the pairing, outlives its connection, and its results wait on disk until `placed`.', { message: stylize({ placement }), attachments: att });
v('client-list-jobs', 'client', 'This pairing\'s jobs placed in one document.', { message: { type: 'list-jobs', document: placement.document } });
v('client-reattach', 'client', 'Follow a running job again, or receive a finished one\'s results from the daemon\'s disk.', { message: { type: 'reattach', jobId: 'job-3' } });
v('client-placed', 'client', 'The results are in the document: the daemon forgets the job.', { message: { type: 'placed', jobId: 'job-3' } });
const m0 = { id: 'm0', mime: 'image/png', width: 4, height: 4 };
const m1 = { id: 'm1', mime: 'image/png', width: 2, height: 2 };
const s1 = { id: 's1', mime: 'image/png', width: 4, height: 4 };
const twoStyles = [{ image: s0, weight: 1 }, { image: s1, weight: 2 }];
const regionsAtt = { ...att, s1: png64, m0: mask4x4, m1: mask2x2 };
v('client-stylize-regions', 'client', 'Two masked regions of one content image (daemons with the regions capability), a style each: m0 is the content\'s shape, m1 a half-size copy the daemon stretches. Outside both, past the 3 px feather, the result is the content\'s own pixels.', {
  message: stylize({ styles: twoStyles, regions: [{ content: 'c0', mask: m0, styles: ['s0'] }, { content: 'c0', mask: m1, styles: ['s1'] }], featherPx: 3 }),
  attachments: regionsAtt,
});
v('client-stylize-region-all-styles', 'client', 'One region without a style list: every style of the request paints there, blended by their weights; the daemon\'s default feather.', {
  message: stylize({ styles: twoStyles, regions: [{ content: 'c0', mask: m1 }] }),
  attachments: { ...att, s1: png64, m1: mask2x2 },
});
// valid, daemon
const limits = { maxOutputSide: 4096, maxInputSide: 8192, maxInputPixels: 40000000, maxImageBytes: 50331648, maxContentImages: 16, maxStyleImages: 4, maxPayloadBytes: 134217728, maxQueuedJobs: 8 };
v('daemon-welcome', 'daemon', 'Answer to a paired client\'s hello: versions, engine, capabilities and limits (no state: a daemon from before daemon-state, ready).', { message: { type: 'welcome', protocol: P, daemon: { name: 'atelier', version: '0.1.0' }, engine: { engine: 'tfjs', backend: 'cpu', device: 'cpu', convention: 'caffe' }, capabilities: ['preview', 'cancel', 'multi-content', 'style-blend', 'status'], presets: ['classic', 'reference'], limits, paired: true } });
v('daemon-welcome-unpaired', 'daemon', 'Answer to hello of a client that has not proven a key: only what pairing needs (protocol 4 on), nothing of the daemon\'s version, engine, device, state or limits. The full welcome follows `paired`.', { message: { type: 'welcome', protocol: P, engine: null, capabilities: [], presets: [], paired: false } });
v('daemon-welcome-team-unpaired', 'daemon', 'A team server\'s answer to a client that has not proven a key: team-invite says `pair` must name its invite.', { message: { type: 'welcome', protocol: P, engine: null, capabilities: ['team-invite'], presets: [], paired: false } });
const engineInfo = { engine: 'tfjs', backend: 'cpu', device: 'cpu', convention: 'caffe' };
const welcomeMessage = { type: 'welcome', protocol: P, daemon: { name: 'atelier', version: '0.1.0' }, engine: engineInfo, state: { state: 'ready', message: 'Atelier is ready.' }, capabilities: ['preview', 'cancel', 'multi-content', 'style-blend', 'status', 'daemon-state', 'style-scale'], presets: ['reference', 'classic', 'painterly', 'atelier'], limits, paired: true };
v('daemon-welcome-ready', 'daemon', 'Answer to hello of a paired client, the daemon ready: its state says so.', { message: welcomeMessage });
const downloading = { state: 'downloading-weights', progress: { bytes: 36000000, total: 80134624 }, message: 'Downloading the style model (36.0 of 80.1 MB)' };
v('daemon-welcome-setting-up', 'daemon', 'Answer to a paired client\'s hello during the first run\'s weights download: no engine yet, the state says why (only to clients announcing daemon-state).', { message: { ...welcomeMessage, engine: null, state: downloading, paired: true } });
v('daemon-jobs', 'daemon', 'Answer to list-jobs: one job computing, one finished and waiting to be placed, one that stopped with the daemon and could not resume.', { message: { type: 'jobs', document: placement.document, jobs: [
  { jobId: 'job-ab12cd-4', state: 'running', contentCount: 1, placement, acceptedAt: '2026-12-07T05:00:00.000Z' },
  { jobId: 'job-ab12cd-3', state: 'finished', contentCount: 2, placement, acceptedAt: '2026-12-07T04:50:00.000Z' },
  { jobId: 'job-ab12cd-2', state: 'interrupted', contentCount: 1, placement, acceptedAt: '2026-12-07T04:40:00.000Z', message: 'This job stopped with the Atelier app and could not resume; apply the style again.' },
] } });
v('daemon-state-downloading', 'daemon', 'Download progress of the first run\'s weights.', { message: { type: 'daemon-state', ...downloading, engine: null } });
v('daemon-state-downloading-unknown-size', 'daemon', 'Download progress when the weights server did not say the size.', { message: { type: 'daemon-state', state: 'downloading-weights', progress: { bytes: 1200000, total: null }, message: 'Downloading the style model (1.2 MB)', engine: null } });
v('daemon-state-converting', 'daemon', 'The download is converted into the engine\'s weights.', { message: { type: 'daemon-state', state: 'converting-weights', message: 'Converting the style model', engine: null } });
v('daemon-state-ready', 'daemon', 'The engine exists: stylize requests are accepted.', { message: { type: 'daemon-state', state: 'ready', message: 'Atelier is ready.', engine: engineInfo } });
v('daemon-state-failed', 'daemon', 'Setting up failed; a shutdown follows.', { message: { type: 'daemon-state', state: 'failed', message: 'Atelier needs the VGG-19 weights (about 80 MB) on its first run but cannot reach storage.googleapis.com (ENOTFOUND).', engine: null } });
v('daemon-error-not-ready', 'daemon', 'A stylize request before the engine is ready.', { message: { type: 'error', code: 'not-ready', message: 'Atelier is still downloading its style model (45%); try again in a minute.', requestId: 'req-1' } });
v('daemon-paired', 'daemon', 'The client\'s confirmation matched and the key is saved: its lookup id.', { message: { type: 'paired', keyId: KEY_ID } });
v('daemon-pair-response', 'daemon', 'SPAKE2 answer: the daemon\'s share pB and confirmation cB.', { message: { type: 'pair-response', share: H('f6'), confirm: H('07') } });
v('daemon-auth-challenge', 'daemon', 'Answer to a hello naming a known key: the daemon\'s nonce and its proof.', { message: { type: 'auth-challenge', nonce: H('18'), proof: H('29') } });
v('daemon-accepted', 'daemon', 'The request is queued behind one other job.', { message: { type: 'accepted', requestId: 'req-1', jobId: 'job-3', position: 1 } });
v('daemon-queue-position', 'daemon', 'The job is next in line.', { message: { type: 'queue-position', jobId: 'job-3', position: 0 } });
v('daemon-started', 'daemon', 'The engine started on the first content image.', { message: { type: 'started', jobId: 'job-3', contentIndex: 0, contentCount: 1, backend: 'cpu', device: 'cpu', stages: [{ width: 32, height: 32, iterations: 4 }] } });
v('daemon-started-moved', 'daemon', 'A team server\'s job taken over by another worker (the first stopped mid-job): the worker now computing it, and the 1-based stage it resumes at from the kept stage image.', { message: { type: 'started', jobId: 'job-3', contentIndex: 0, contentCount: 1, backend: 'onnx', device: 'cuda', stages: [{ width: 64, height: 43, iterations: 20 }, { width: 96, height: 64, iterations: 12 }], worker: 'gpu-b', resumedFromStage: 2 } });
const progress = { type: 'progress', jobId: 'job-3', contentIndex: 0, contentCount: 1, stage: 1, stages: 1, iteration: 2, iterations: 4, losses: { content: 1.5, style: 20.25, tv: 0.5, total: 22.25 }, learningRate: 0.02, seconds: 0.4, etaSeconds: 0.4 };
v('daemon-progress', 'daemon', 'A progress step without a preview (text frame).', { message: progress });
v('daemon-progress-stage-time', 'daemon', 'A progress step with the stage\'s time so far and per iteration (daemons since issue 11).', { message: { ...progress, stageSeconds: 0.3, secondsPerIteration: 0.15 } });
v('daemon-progress-diverged', 'daemon', 'Non-finite losses travel as null.', { message: { ...progress, losses: { content: null, style: null, tv: 0, total: null } } });
v('daemon-progress-preview', 'daemon', 'A progress step with a preview PNG (binary envelope).', { message: { ...progress, preview: { id: 'preview', mime: 'image/png', width: 4, height: 4 } }, attachments: { preview: png64 } });
v('daemon-result', 'daemon', 'The result PNG of the first content image.', { message: { type: 'result', jobId: 'job-3', contentIndex: 0, contentCount: 1, image: { id: 'result', mime: 'image/png', width: 4, height: 4 }, losses: progress.losses, timings: { queuedSeconds: 0, decodeSeconds: 0.01, engineSeconds: 0.8, encodeSeconds: 0.01 } }, attachments: { result: png64 } });
v('daemon-completed', 'daemon', 'Every content image of the job is done.', { message: { type: 'completed', jobId: 'job-3', seconds: 0.9 } });
v('daemon-cancelled', 'daemon', 'The job was cancelled at the client\'s request.', { message: { type: 'cancelled', jobId: 'job-3', reason: 'client' } });
v('daemon-error', 'daemon', 'The queue is full.', { message: { type: 'error', code: 'busy', message: 'The daemon is busy with 8 waiting jobs; try again when one finishes.', requestId: 'req-9' } });
v('daemon-status', 'daemon', 'One running job (this client\'s) and one waiting job of another client.', { message: { type: 'status', running: { jobId: 'job-3', mine: true, contentIndex: 0, contentCount: 1, stage: 1, iteration: 2, seconds: 0.4 }, queued: [{ jobId: 'job-4', mine: false, position: 1 }], maxQueuedJobs: 8 } });
v('daemon-estimate-result', 'daemon', 'The estimate: a whole small stage, a tiled top stage, the planned peak and the seconds.', { message: { type: 'estimate-result', requestId: 'est-1', fits: true, budgetMB: 4096, stages: [{ width: 1024, height: 768, iterations: 100, plan: 'whole' }, { width: 2048, height: 1536, iterations: 50, plan: 'tiled', tiles: 6 }], peakMB: 3138, seconds: 3900 } });
v('daemon-estimate-refused', 'daemon', 'The estimate of a job the memory budget cannot hold: the engine\'s sentence.', { message: { type: 'estimate-result', requestId: 'est-2', fits: false, budgetMB: 1024, message: 'A 4096×3072 stage needs at least 2900 MB and the memory budget is 1024 MB; raise memoryBudgetMB (--memory-budget) to 2900 or more, or choose a smaller size.' } });
v('daemon-shutdown', 'daemon', 'The daemon is stopping.', { message: { type: 'shutdown', message: 'The Atelier daemon is shutting down; running jobs were cancelled.' } });
// invalid, client: text
inv('stylize-placement-data-too-long', 'bad-message', 'A placement whose data is longer than MAX_PLACEMENT_DATA_CHARS.', { message: stylize({ placement: { ...placement, data: 'x'.repeat(16 * 1024 + 1) } }), attachments: att, expectedRequestId: 'req-1' });
inv('list-jobs-no-document', 'bad-message', 'list-jobs without a document.', { message: { type: 'list-jobs' } });
inv('text-not-json', 'bad-json', 'A text frame that is not JSON.', { text: '{"type": "hello", ' });
inv('text-empty', 'bad-json', 'An empty text frame.', { text: '' });
inv('text-garbage', 'bad-json', 'Random text.', { text: 'GET / HTTP/1.1' });
inv('json-array', 'bad-message', 'A JSON array instead of an object.', { text: '[1,2,3]' });
inv('json-null', 'bad-message', 'JSON null.', { text: 'null' });
inv('json-number', 'bad-message', 'A bare JSON number.', { text: '42' });
inv('json-string', 'bad-message', 'A bare JSON string.', { text: '"hello"' });
inv('estimate-too-many-regions', 'bad-message', 'An estimate for more regions than a request may have (MAX_REGIONS).', { message: { type: 'estimate', requestId: 'est-5', width: 100, height: 100, regions: 17 }, expectedRequestId: 'est-5' });
inv('estimate-too-large', 'bad-message', 'An estimate for an image over the input side.', { message: { type: 'estimate', requestId: 'est-3', width: 9000, height: 100 }, expectedRequestId: 'est-3' });
inv('daemon-estimate-fits-no-stages', 'bad-message', 'A fitting estimate without stages.', { message: { type: 'estimate-result', requestId: 'est-1', fits: true, budgetMB: 4096, stages: [], peakMB: 3138, seconds: 3900 }, expectedRequestId: 'est-1' }, 'daemon');
inv('no-type', 'bad-message', 'An object without a type.', { message: { protocol: P } });
inv('type-number', 'bad-message', 'A numeric type.', { message: { type: 7 } });
inv('unknown-type', 'unknown-type', 'A type this protocol does not know.', { message: { type: 'delete-everything' } });
inv('type-proto', 'unknown-type', 'A type naming an Object prototype member.', { message: { type: '__proto__' } });
inv('type-constructor', 'unknown-type', 'A type naming an Object prototype member.', { message: { type: 'constructor' } });
inv('server-type-from-client', 'unknown-type', 'A daemon-only message sent by a client.', { message: { type: 'welcome' } });
inv('hello-protocol-string', 'bad-message', 'Protocol version as a string.', { message: { type: 'hello', protocol: '1', client: { name: 'x', version: '1' } } });
inv('hello-no-client', 'bad-message', 'Hello without client info.', { message: { type: 'hello', protocol: P } });
inv('hello-short-nonce', 'bad-message', 'An auth nonce of the wrong length.', { message: { type: 'hello', protocol: P, client: { name: 'x', version: '1' }, auth: { keyId: KEY_ID, nonce: 'abc' } } });
inv('hello-key-id-prefix', 'bad-message', 'A key id shorter than an id (no prefix lookups).', { message: { type: 'hello', protocol: P, client: { name: 'x', version: '1' }, auth: { keyId: 'constructor', nonce: H('a1') } } });
inv('hello-bad-capability', 'bad-message', 'A capability name with spaces and capitals.', { message: { type: 'hello', protocol: P, client: { name: 'x', version: '1' }, capabilities: ['Daemon State'] } });
inv('pair-plain-code', 'bad-message', 'Protocol 1\'s plain code: the code never travels any more.', { message: { type: 'pair', code: '042917' } });
inv('pair-upper-hex', 'bad-message', 'A share in upper-case hex.', { message: { type: 'pair', share: H('AB') } });
inv('pair-invite-three-digits', 'bad-message', 'An invite of 3 digits: it is the code\'s first 2, no more (the rest of the code is the secret).', { message: { type: 'pair', share: H('c3'), invite: '271' } });
inv('pair-confirm-short', 'bad-message', 'A confirmation of 31 bytes.', { message: { type: 'pair-confirm', confirm: 'ab'.repeat(31) } });
inv('auth-no-proof', 'bad-message', 'An auth without its proof.', { message: { type: 'auth' } });
inv('cancel-no-job', 'bad-message', 'Cancel without a job id.', { message: { type: 'cancel' } });
inv('cancel-bad-id', 'bad-message', 'A job id with spaces.', { message: { type: 'cancel', jobId: 'job 3; rm -rf' } });
inv('cancel-long-id', 'bad-message', 'A job id longer than 64 characters.', { message: { type: 'cancel', jobId: 'j'.repeat(65) } });
inv('stylize-as-text', 'bad-frame', 'A stylize request in a text frame: its images cannot travel with it.', { message: stylize(), expectedRequestId: 'req-1' });
inv('stylize-infinite-weight', 'bad-message', 'A style weight of 1e999 (Infinity once parsed).', { text: JSON.stringify(stylize()).replace('"iterations":4', '"iterations":4,"styleWeight":1e999'), expectedRequestId: 'req-1' });
const bad = (name: string, code: string, description: string, message: object, attachments: Record<string, string> = att) =>
  inv(name, code, description, { message, attachments, expectedRequestId: 'req-1' });
bad('stylize-zero-size', 'bad-message', 'A content image declared as 0x0.', stylize({ content: [{ ...c0, width: 0, height: 0 }] }));
bad('stylize-huge-size', 'bad-message', 'A content image declared as 100000x100000.', stylize({ content: [{ ...c0, width: 100000, height: 100000 }] }));
bad('stylize-too-many-pixels', 'bad-message', 'A content image of 8192x8192 pixels (each side allowed, but over the pixel bound).', stylize({ content: [{ ...c0, width: 8192, height: 8192 }] }));
bad('stylize-output-too-large', 'bad-message', 'An output width of 5000.', stylize({ options: { width: 5000 } }));
bad('stylize-negative-weight', 'bad-message', 'A negative style weight.', stylize({ options: { styleWeight: -1 } }));
bad('stylize-unknown-option', 'bad-message', 'A misspelt option.', stylize({ options: { iteratons: 10 } }));
bad('stylize-zero-iterations', 'bad-message', 'Zero iterations.', stylize({ options: { iterations: 0 } }));
bad('stylize-fractional-iterations', 'bad-message', 'A fractional iteration count.', stylize({ options: { iterations: 2.5 } }));
bad('stylize-bad-optimizer', 'bad-message', 'An optimizer that does not exist.', stylize({ options: { optimizer: 'sgd' } }));
bad('stylize-bad-init', 'bad-message', 'An init that does not exist.', stylize({ options: { init: 'random' } }));
bad('stylize-negative-seed', 'bad-message', 'A negative seed.', stylize({ options: { seed: -1 } }));
bad('stylize-tiny-preview', 'bad-message', 'A preview side below 16.', stylize({ options: { previewMaxSide: 8 } }));
bad('stylize-bad-layer', 'bad-message', 'A layer name with spaces.', stylize({ options: { styleLayers: ['Relu 4'] } }));
bad('stylize-bad-preset', 'bad-message', 'A preset name with punctuation.', stylize({ options: { preset: 'Bad Preset!' } }));
bad('stylize-style-scale-too-large', 'bad-message', 'A style scale of 100 (at most 20).', stylize({ options: { styleScale: 100 } }));
bad('stylize-style-scale-zero', 'bad-message', 'A style scale of 0 (at least 0.05).', stylize({ options: { styleScale: 0 } }));
bad('stylize-bad-colors', 'bad-message', 'A colour mode that does not exist.', stylize({ options: { colors: 'sepia' } }));
bad('stylize-style-size-too-large', 'bad-message', 'A style size of 10 (at most 4).', stylize({ options: { styleSize: 10 } }));
bad('stylize-zero-lr', 'bad-message', 'A learning rate of 0.', stylize({ options: { learningRate: 0 } }));
bad('stylize-no-styles', 'bad-message', 'No style image.', stylize({ styles: [] }), { c0: png64 });
bad('stylize-no-content', 'bad-message', 'No content image.', stylize({ content: [] }), { s0: jpeg64 });
bad('stylize-five-styles', 'bad-message', 'Five style images (at most four).', stylize({ styles: [0, 1, 2, 3, 4].map((i) => ({ image: { ...s0, id: `s${i}` }, weight: 1 })) }), { c0: png64, s0: jpeg64, s1: jpeg64, s2: jpeg64, s3: jpeg64, s4: jpeg64 });
bad('stylize-zero-blend-weight', 'bad-message', 'A style blend weight of 0.', stylize({ styles: [{ image: s0, weight: 0 }] }));
bad('stylize-duplicate-ids', 'bad-message', 'Two images sharing an id.', stylize({ styles: [{ image: { ...s0, id: 'c0' }, weight: 1 }] }), { c0: png64 });
bad('stylize-region-mask-wrong-shape', 'bad-message', 'A region mask of 4x2 on a 4x4 content image: not its shape nor a scaled copy (the daemon would distort it).', stylize({ regions: [{ content: 'c0', mask: { ...m0, height: 2 } }] }), { ...att, m0: mask4x2 });
bad('stylize-region-style-twice', 'bad-message', 'One style in two regions of the same content image: each style paints one region of an image.', stylize({ styles: twoStyles, regions: [{ content: 'c0', mask: m0, styles: ['s0', 's1'] }, { content: 'c0', mask: m1, styles: ['s1'] }] }), regionsAtt);
bad('stylize-region-unknown-content', 'bad-message', 'A region naming a content id the request does not have.', stylize({ regions: [{ content: 'c9', mask: m0 }] }), { ...att, m0: mask4x4 });
bad('stylize-region-style-in-none', 'bad-message', 'A masked content image with a style in none of its regions (where would it paint?).', stylize({ styles: twoStyles, regions: [{ content: 'c0', mask: m0, styles: ['s0'] }] }), { ...att, s1: png64, m0: mask4x4 });
bad('stylize-region-unknown-style', 'bad-message', 'A region naming a style id the request does not have.', stylize({ regions: [{ content: 'c0', mask: m0, styles: ['s7'] }] }), { ...att, m0: mask4x4 });
bad('stylize-feather-too-wide', 'bad-message', 'A feather of 257 px (at most MAX_FEATHER_PX, the engine\'s bound).', stylize({ regions: [{ content: 'c0', mask: m0 }], featherPx: 257 }), { ...att, m0: mask4x4 });
bad('stylize-region-mask-not-attached', 'bad-frame', 'A region whose mask is declared but not attached.', stylize({ regions: [{ content: 'c0', mask: m0 }] }));
bad('stylize-bad-mime', 'bad-message', 'A GIF declared as the content image.', stylize({ content: [{ ...c0, mime: 'image/gif' }] }));
inv('stylize-missing-request-id', 'bad-message', 'A stylize request without a requestId.', { message: { ...stylize(), requestId: undefined }, attachments: att });
bad('stylize-not-an-image', 'bad-image', 'A text file attached as the content image.', stylize(), { c0: Buffer.from('this is not an image, it is a text file').toString('base64'), s0: jpeg64 });
bad('stylize-truncated-png', 'bad-image', 'A PNG cut after 12 bytes.', stylize(), { c0: png.subarray(0, 12).toString('base64'), s0: jpeg64 });
bad('stylize-png-declared-jpeg', 'image-mismatch', 'A PNG declared as JPEG.', stylize({ content: [{ ...c0, mime: 'image/jpeg' }] }));
bad('stylize-wrong-dimensions', 'image-mismatch', 'A 4x4 PNG declared as 8x8.', stylize({ content: [{ ...c0, width: 8, height: 8 }] }));
bad('stylize-missing-attachment', 'bad-frame', 'The style image is declared but not attached.', stylize(), { c0: png64 });
bad('stylize-orphan-attachment', 'bad-frame', 'An attachment no field of the message refers to (an image with no owner).', stylize(), { ...att, stray: png64 });
// invalid, client: raw binary
const frame = (headerLen: number, header: string, payload: Buffer = Buffer.alloc(0)) => { const h = Buffer.from(header, 'utf8'); const b = Buffer.alloc(4); b.writeUInt32BE(headerLen); return Buffer.concat([b, h, payload]).toString('base64'); };
const hdr = JSON.stringify({ message: { type: 'get-status' }, attachments: [] });
inv('binary-raw-png', 'bad-frame', 'A PNG sent as a bare binary frame, with no message owning it.', { binaryBase64: png64 });
inv('binary-raw-jpeg', 'bad-frame', 'A JPEG sent as a bare binary frame, with no message owning it.', { binaryBase64: jpeg64 });
inv('binary-too-short', 'bad-frame', 'Three bytes: not even a header length.', { binaryBase64: Buffer.from([0, 0, 1]).toString('base64') });
inv('binary-empty', 'bad-frame', 'An empty binary frame.', { binaryBase64: '' });
inv('binary-zero-header', 'bad-frame', 'A header length of 0.', { binaryBase64: frame(0, '') });
inv('binary-header-past-end', 'bad-frame', 'A header length larger than the frame (truncated).', { binaryBase64: frame(1000, hdr) });
inv('binary-header-not-json', 'bad-frame', 'A header that is not JSON.', { binaryBase64: frame(12, 'not json!!!!') });
inv('binary-header-not-utf8', 'bad-frame', 'A header that is not UTF-8.', { binaryBase64: (() => { const b = Buffer.from([0, 0, 0, 4, 0xff, 0xfe, 0xfd, 0xfc]); return b.toString('base64'); })() });
inv('binary-no-attachments-field', 'bad-frame', 'A header without the attachments list.', { binaryBase64: frame(Buffer.byteLength('{"message":{"type":"get-status"}}'), '{"message":{"type":"get-status"}}') });
inv('binary-payload-longer', 'bad-frame', 'More payload bytes than the attachments declare.', { binaryBase64: frame(Buffer.byteLength(hdr), hdr, Buffer.from([1, 2, 3])) });
const hdr2 = JSON.stringify({ message: stylize(), attachments: [{ id: 'c0', byteLength: png.length }, { id: 's0', byteLength: jpeg.length + 100 }] });
inv('binary-payload-shorter', 'bad-frame', 'A style image declared 100 bytes longer than the frame carries (truncated upload).', { binaryBase64: frame(Buffer.byteLength(hdr2), hdr2, Buffer.concat([png, jpeg])) });
const hdr3 = JSON.stringify({ message: stylize(), attachments: [{ id: 'c0', byteLength: 1e12 }] });
inv('binary-declared-huge', 'bad-frame', 'An attachment declared as 1e12 bytes.', { binaryBase64: frame(Buffer.byteLength(hdr3), hdr3, png) });
const hdr4 = JSON.stringify({ message: stylize(), attachments: [{ id: 'c0', byteLength: png.length }, { id: 'c0', byteLength: jpeg.length }] });
inv('binary-duplicate-attachment', 'bad-frame', 'Two attachments with the same id.', { binaryBase64: frame(Buffer.byteLength(hdr4), hdr4, Buffer.concat([png, jpeg])) });
inv('binary-unknown-type', 'unknown-type', 'A binary envelope around an unknown message.', { message: { type: 'upload' }, attachments: { c0: png64 } });
// invalid, daemon
inv('daemon-welcome-no-limits', 'bad-message', 'A paired welcome without limits.', { message: { type: 'welcome', protocol: P, daemon: { name: 'atelier', version: '0.1.0' }, engine: { engine: 'tfjs', backend: 'cpu', device: 'cpu', convention: 'caffe' }, capabilities: [], presets: [], paired: true } }, 'daemon');
inv('daemon-welcome-paired-no-daemon', 'bad-message', 'A paired welcome that does not name the daemon\'s version.', { message: { type: 'welcome', protocol: P, engine: { engine: 'tfjs', backend: 'cpu', device: 'cpu', convention: 'caffe' }, capabilities: [], presets: [], limits, paired: true } }, 'daemon');
inv('daemon-welcome-no-engine-no-state', 'bad-message', 'A paired welcome without an engine that does not say why.', { message: { type: 'welcome', protocol: P, daemon: { name: 'atelier', version: '0.1.0' }, engine: null, capabilities: [], presets: [], limits, paired: true } }, 'daemon');
inv('daemon-welcome-unpaired-no-engine-field', 'bad-message', 'An unpaired welcome still carries engine (null), so a client never takes it for a ready daemon.', { message: { type: 'welcome', protocol: P, capabilities: [], presets: [], paired: false } }, 'daemon');
inv('daemon-welcome-ready-no-engine', 'bad-message', 'A welcome whose state is ready but has no engine.', { message: { type: 'welcome', protocol: P, daemon: { name: 'atelier', version: '0.1.0' }, engine: null, state: { state: 'ready', message: 'ready' }, capabilities: [], presets: [], limits, paired: false } }, 'daemon');
inv('daemon-state-ready-no-engine', 'bad-message', 'A ready state without the engine.', { message: { type: 'daemon-state', state: 'ready', message: 'Atelier is ready.', engine: null } }, 'daemon');
inv('daemon-state-engine-while-downloading', 'bad-message', 'An engine while still downloading.', { message: { type: 'daemon-state', ...downloading, engine: { engine: 'tfjs', backend: 'cpu', device: 'cpu', convention: 'caffe' } } }, 'daemon');
inv('daemon-state-unknown-state', 'bad-message', 'A state this protocol does not know.', { message: { type: 'daemon-state', state: 'sleeping', message: 'zzz', engine: null } }, 'daemon');
inv('daemon-state-negative-bytes', 'bad-message', 'Negative download progress.', { message: { type: 'daemon-state', state: 'downloading-weights', progress: { bytes: -1, total: 10 }, message: 'Downloading', engine: null } }, 'daemon');
inv('daemon-result-as-text', 'bad-frame', 'A result without its PNG (text frame).', { message: { type: 'result', jobId: 'job-3', contentIndex: 0, contentCount: 1, image: { id: 'result', mime: 'image/png', width: 4, height: 4 }, losses: progress.losses, timings: { queuedSeconds: 0, decodeSeconds: 0, engineSeconds: 0, encodeSeconds: 0 } } }, 'daemon');
inv('daemon-result-jpeg', 'bad-message', 'A result declared as JPEG (results are PNG).', { message: { type: 'result', jobId: 'job-3', contentIndex: 0, contentCount: 1, image: { id: 'result', mime: 'image/jpeg', width: 4, height: 4 }, losses: progress.losses, timings: { queuedSeconds: 0, decodeSeconds: 0, engineSeconds: 0, encodeSeconds: 0 } }, attachments: { result: jpeg64 } }, 'daemon');
inv('daemon-error-unknown-code', 'bad-message', 'An error with a code outside the list.', { message: { type: 'error', code: 'oops', message: 'x' } }, 'daemon');
inv('daemon-progress-loss-string', 'bad-message', 'A loss as a string.', { message: { ...progress, losses: { ...progress.losses, total: '22' } } }, 'daemon');
inv('daemon-client-type', 'unknown-type', 'A client-only message sent by the daemon.', { message: { type: 'stylize' } }, 'daemon');
