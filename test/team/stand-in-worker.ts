/**
 * A GPU worker process with the stand-in engine (stand-in-engine.ts), for team tests and the
 * queue-only load run: `node --import tsx test/team/stand-in-worker.ts --redis URL --name N
 * [--prefix P] [--iteration-ms MS] [--lock-ms MS] [--stalled-ms MS] [--heartbeat-ms MS] [--max-stalled N]`.
 * Prints `ready <name>` once it takes jobs; SIGTERM hands its job back and exits 0.
 */
import { parseArgs } from 'node:util';
import { createJsonLogger } from '../../daemon/server/index.ts';
import { startGpuWorkerAsync } from '../../daemon/team/gpu-worker.ts';
import { createStandInEngine } from './stand-in-engine.ts';

const { values } = parseArgs({
  options: {
    redis: { type: 'string' },
    name: { type: 'string' },
    prefix: { type: 'string' },
    'iteration-ms': { type: 'string', default: '50' },
    'lock-ms': { type: 'string' },
    'stalled-ms': { type: 'string' },
    'heartbeat-ms': { type: 'string' },
    'max-stalled': { type: 'string' },
  },
});
if (!values.redis || !values.name) {
  process.stderr.write('stand-in-worker: --redis and --name are required\n');
  process.exit(2);
}
const optionalNumber = (s: string | undefined): number | undefined => (s === undefined ? undefined : Number(s));
const engine = createStandInEngine({ iterationMs: Number(values['iteration-ms']), device: `stand-in:${values.name}` });
const worker = await startGpuWorkerAsync({
  redisUrl: values.redis,
  name: values.name,
  ...(values.prefix ? { prefix: values.prefix } : {}),
  engine,
  engineInfo: engine.info,
  logger: createJsonLogger((line) => process.stderr.write(line)),
  lockDurationMs: optionalNumber(values['lock-ms']),
  stalledIntervalMs: optionalNumber(values['stalled-ms']),
  heartbeatMs: optionalNumber(values['heartbeat-ms']),
  maxStalledCount: optionalNumber(values['max-stalled']),
});
// No process.exit: a worker that closed everything it opened exits by itself (as `atelier worker` must).
process.once('SIGTERM', () => void worker.closeAsync());
process.stdout.write(`ready ${worker.name}\n`);
