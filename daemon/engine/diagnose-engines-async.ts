import { BACKEND_NAMES, selectBackendAsync } from './backend.ts';
import type { ExecutionProviderName } from './onnx/provider-names.ts';

/**
 * What this machine can run, for `atelier doctor`: each TensorFlow.js backend and each ONNX
 * Runtime provider, whether it starts (and why not), the GPU adapter, and for a GPU provider a
 * tiny loss-and-gradient check against the CPU provider (onnx/provider-parity-async.ts).
 */
export interface ProviderDiagnosis {
  name: ExecutionProviderName;
  starts: boolean;
  device?: string;
  adapter?: string;
  /** A software rasteriser: 'auto' passes it over (onnx/execution-provider.ts' autoTakes). */
  softwareAdapter?: boolean;
  /** Why it does not start, in onnxruntime's words or ours. */
  reason?: string;
  parity?: { ok: boolean; lossRelative: number; gradRelative: number; size: string } | { ok: false; error: string };
}

export interface BackendDiagnosis {
  name: Exclude<(typeof BACKEND_NAMES)[number], 'auto'>;
  starts: boolean;
  device?: string;
  reason?: string;
}

export interface EngineDiagnosis {
  onnx: {
    loads: boolean;
    version?: string;
    reason?: string;
    /** What `--execution-provider auto` picks here. */
    auto?: ExecutionProviderName;
    providers: ProviderDiagnosis[];
  };
  tfjs: { backends: BackendDiagnosis[] };
}

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

async function diagnoseOnnxAsync(): Promise<EngineDiagnosis['onnx']> {
  let onnx: typeof import('./onnx/index.ts');
  let version: string | undefined;
  try {
    onnx = await import('./onnx/index.ts');
    version = (await import('onnxruntime-node')).env.versions.node;
  } catch (error) {
    return { loads: false, reason: message(error), providers: [] };
  }
  const names: ExecutionProviderName[] = ['cpu', ...onnx.autoOrder().filter((n) => n !== 'cpu')];
  const cpu = (await onnx.probeProviderAsync('cpu')).resolved!;
  const providers: ProviderDiagnosis[] = [];
  const probes = new Map<ExecutionProviderName, Awaited<ReturnType<typeof onnx.probeProviderAsync>>>();
  for (const name of names) {
    const probe = await onnx.probeProviderAsync(name);
    probes.set(name, probe);
    if (!probe.resolved) {
      providers.push({ name, starts: false, reason: probe.failure });
      continue;
    }
    const d: ProviderDiagnosis = { name, starts: true, device: probe.resolved.device, ...(probe.resolved.adapter ? { adapter: probe.resolved.adapter } : {}) };
    if (probe.resolved.softwareAdapter) d.softwareAdapter = true;
    if (name !== 'cpu') {
      try {
        const p = await onnx.checkProviderParityAsync(probe.resolved, cpu);
        d.parity = { ok: p.ok, lossRelative: p.lossRelative, gradRelative: p.gradRelative, size: `${p.height}x${p.width}` };
      } catch (error) {
        d.parity = { ok: false, error: message(error) };
      }
    }
    providers.push(d);
  }
  const auto = onnx.autoOrder().find((n) => probes.has(n) && onnx.autoTakes(probes.get(n)!));
  return { loads: true, ...(version ? { version } : {}), ...(auto ? { auto } : {}), providers };
}

async function diagnoseTfjsAsync(): Promise<EngineDiagnosis['tfjs']> {
  const backends: BackendDiagnosis[] = [];
  for (const name of BACKEND_NAMES.filter((n) => n !== 'auto')) {
    try {
      const active = await selectBackendAsync(name);
      backends.push({ name, starts: true, device: active.device });
    } catch (error) {
      backends.push({ name, starts: false, reason: message(error) });
    }
  }
  return { backends };
}

export async function diagnoseEnginesAsync(): Promise<EngineDiagnosis> {
  return { onnx: await diagnoseOnnxAsync(), tfjs: await diagnoseTfjsAsync() };
}
