import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { quantityToNumber } from '@interlink/kube-quantity';
import type { Flavor, SidecarSettings } from '../config/sidecar-settings';
import { flagValue, hasFlag, mergeFlags, type SbatchFlag } from './sbatch-flags';

export const GPU_RESOURCES = ['nvidia.com/gpu', 'amd.com/gpu'] as const;

/** What the pod asks for, aggregated with Kubernetes semantics. Undefined = not set anywhere. */
export interface PodResources {
  /** whole CPUs, rounded up */
  cpus?: number;
  memoryBytes?: number;
  nvidiaGpus: number;
  amdGpus: number;
}

function amount(c: V1Container, resource: string): number | undefined {
  const q = c.resources?.limits?.[resource] ?? c.resources?.requests?.[resource];
  if (q === undefined || q === null || q === '') return undefined;
  try {
    return quantityToNumber(q as string | number);
  } catch {
    throw new Error(`container "${c.name}": invalid ${resource} quantity "${String(q)}"`);
  }
}

/**
 * Init containers run one at a time and app containers all at once, so the job needs
 * max(max(init), sum(app)) of every resource. Limits are used, else requests.
 */
function aggregate(pod: V1Pod, resource: string): number | undefined {
  const init = (pod.spec?.initContainers ?? []).map((c) => amount(c, resource));
  const app = (pod.spec?.containers ?? []).map((c) => amount(c, resource));
  if ([...init, ...app].every((v) => v === undefined)) return undefined;
  const sumApp = app.reduce<number>((s, v) => s + (v ?? 0), 0);
  return Math.max(sumApp, ...init.map((v) => v ?? 0));
}

export function podResources(pod: V1Pod): PodResources {
  const cpu = aggregate(pod, 'cpu');
  const mem = aggregate(pod, 'memory');
  return {
    ...(cpu !== undefined && cpu > 0 ? { cpus: Math.max(1, Math.ceil(cpu - 1e-9)) } : {}),
    ...(mem !== undefined && mem > 0 ? { memoryBytes: mem } : {}),
    nvidiaGpus: Math.ceil(aggregate(pod, 'nvidia.com/gpu') ?? 0),
    amdGpus: Math.ceil(aggregate(pod, 'amd.com/gpu') ?? 0),
  };
}

/** Megabytes for --mem, rounded up so a pod never gets less than it asked for. */
export function memoryMegabytes(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / 2 ** 20));
}

/** activeDeadlineSeconds as an sbatch --time value in whole minutes (Slurm's granularity). */
export function deadlineMinutes(seconds: number): number {
  return Math.max(1, Math.ceil(seconds / 60));
}

export interface FlagInputs {
  pod: V1Pod;
  settings: SidecarSettings;
  flavor?: Flavor;
  annotationFlags: SbatchFlag[];
  uid?: number;
}

/**
 * The job's sbatch flags in precedence order: configuration < flavor < annotation < pod spec.
 * Defaults (flavor, then configuration) fill only what nothing else set, and `--mem` is
 * left out when a `--mem-per-*` option is present (sbatch refuses both).
 */
export function assembleSbatchFlags(input: FlagInputs): SbatchFlag[] {
  const { pod, settings, flavor } = input;
  const res = podResources(pod);
  let flags = mergeFlags(settings.baseFlags, flavor?.flags ?? [], input.annotationFlags);

  const fromPod: SbatchFlag[] = [];
  if (res.cpus !== undefined) fromPod.push({ name: 'cpus-per-task', value: String(res.cpus) });
  else if (!hasFlag(flags, 'cpus-per-task')) {
    const cpus = flavor?.cpuDefault || settings.cpuDefault;
    if (cpus > 0) fromPod.push({ name: 'cpus-per-task', value: String(Math.ceil(cpus)) });
  }

  const perUnitMemory = hasFlag(flags, 'mem-per-cpu') || hasFlag(flags, 'mem-per-gpu');
  if (perUnitMemory) flags = flags.filter((f) => f.name !== 'mem');
  else if (res.memoryBytes !== undefined)
    fromPod.push({ name: 'mem', value: `${memoryMegabytes(res.memoryBytes)}M` });
  else if (!hasFlag(flags, 'mem')) {
    const bytes = flavor?.memoryDefault || settings.memoryDefault;
    if (bytes > 0) fromPod.push({ name: 'mem', value: `${memoryMegabytes(bytes)}M` });
  }

  const gpus = res.nvidiaGpus + res.amdGpus;
  const gpuAlreadyRequested =
    ['gpus', 'gpus-per-node', 'gpus-per-task', 'gpus-per-socket'].some((n) => hasFlag(flags, n)) ||
    /(^|,)gpu[:,]|(^|,)gpu$/.test(flagValue(flags, 'gres') ?? '');
  if (gpus > 0 && !gpuAlreadyRequested) {
    fromPod.push(
      settings.raw.GPUFlag === 'gpus'
        ? { name: 'gpus', value: String(gpus) }
        : { name: 'gres', value: `gpu:${gpus}` },
    );
  }

  const deadline = pod.spec?.activeDeadlineSeconds;
  if (typeof deadline === 'number' && deadline > 0)
    fromPod.push({ name: 'time', value: String(deadlineMinutes(deadline)) });
  if (input.uid !== undefined) fromPod.push({ name: 'uid', value: String(input.uid) });
  return mergeFlags(flags, fromPod);
}

/** Flavor choice: annotation, then GPU auto-detection, then DefaultFlavor. */
export function selectFlavor(
  pod: V1Pod,
  settings: SidecarSettings,
  annotation: string | undefined,
): Flavor | undefined {
  if (annotation !== undefined && annotation !== '') {
    const f = settings.flavors.get(annotation);
    if (!f) {
      const known = [...settings.flavors.keys()].join(', ') || 'none configured';
      throw new Error(
        `unknown flavor "${annotation}" in annotation slurm-job.vk.io/flavor (known: ${known})`,
      );
    }
    return f;
  }
  const res = podResources(pod);
  const gpus = res.nvidiaGpus + res.amdGpus;
  if (gpus > 0) {
    const gpuFlavors = [...settings.flavors.values()].filter(
      (f) =>
        f.name.toLowerCase().includes('gpu') ||
        f.flags.some((fl) => `${fl.name}=${fl.value ?? ''}`.includes('gpu')),
    );
    const exact = gpuFlavors.find((f) =>
      f.flags.some((fl) => fl.name === 'gres' && fl.value === `gpu:${gpus}`),
    );
    if (exact ?? gpuFlavors[0]) return exact ?? gpuFlavors[0];
  }
  return settings.defaultFlavor;
}
