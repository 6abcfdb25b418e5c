import { isIP } from 'node:net';
import { join } from 'node:path';
import type { V1Container } from '@kubernetes/client-node';
import type { RetrievedPodData } from '@interlink/api';
import type { RuntimeName } from '../config/sidecar-config';
import type { SidecarSettings } from '../config/sidecar-settings';
import {
  CUSTOM_SCRIPT_CONTAINER,
  type ContainerPlan,
  type EnvVar,
  type JobPlan,
  type RuntimeSettings,
} from '../script/job-plan';
import { planProblems } from '../script/sbatch-script';
import { splitShellWords } from '../shell/shell-words';
import { JobFiles, jobDirName, type ContainerKind } from '../store/job-files';
import { splitMeshScript } from './mesh-script';
import { Annotations, PodSpecError } from './annotations';
import { parsePodFlags } from './annotation-flags';
import { checkJobUser } from './job-user';
import { checkId, checkLiteral, checkPodIdentity, isDnsLabel } from './names';
import { assembleSbatchFlags, selectFlavor } from './resource-flags';
import type { SbatchFlag } from './sbatch-flags';
import { planVolumes, type VolumePlan } from './volume-plan';

export interface BuiltJob {
  plan: JobPlan;
  volumes: VolumePlan;
  warnings: string[];
}

const URI_SCHEME = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//;

/**
 * Pure translation of a create request into a JobPlan: validates names, annotations,
 * resources, volumes and runtime constraints. Throws PodSpecError with a message that says
 * which field is wrong; nothing touches the disk or Slurm here.
 */
export function buildJob(
  data: RetrievedPodData,
  settings: SidecarSettings,
  processUid: number | undefined,
): BuiltJob {
  const pod = data.pod;
  const meta = pod.metadata;
  const { namespace, uid, name: podName } = checkPodIdentity(meta?.namespace, meta?.uid, meta?.name);
  const annotations = meta?.annotations ?? {};
  const warnings: string[] = [];
  const jobDir = join(settings.dataRoot, jobDirName(namespace, uid));

  const names = new Set<string>();
  for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) {
    if (!isDnsLabel(c.name)) throw new PodSpecError(`container name "${c.name}" is not a valid DNS label`);
    if (names.has(c.name)) throw new PodSpecError(`container name "${c.name}" is used twice`);
    names.add(c.name);
  }
  if ((pod.spec?.containers ?? []).length === 0) throw new PodSpecError('pod has no containers');

  const runtime = chooseRuntime(annotations[Annotations.containerRuntime], settings);
  const annotationFlags = podAnnotationFlags(annotations[Annotations.flags], settings, warnings);
  let flavor;
  try {
    flavor = selectFlavor(pod, settings, annotations[Annotations.flavor]);
  } catch (err) {
    throw new PodSpecError((err as Error).message);
  }
  const podRunAsUser = checkId(pod.spec?.securityContext?.runAsUser, 'spec.securityContext.runAsUser');
  const podRunAsGroup = checkId(pod.spec?.securityContext?.runAsGroup, 'spec.securityContext.runAsGroup');
  const jobUid = podRunAsUser ?? flavor?.uid ?? settings.raw.DefaultUID;
  checkJobUser({
    runsOnHost: runtime === 'none' || Boolean(data.jobScript),
    jobUid,
    processUid,
    allowRoot: settings.raw.AllowRootWithRuntimeNone,
  });
  let sbatchFlags;
  try {
    sbatchFlags = assembleSbatchFlags({
      pod,
      settings,
      ...(flavor ? { flavor } : {}),
      annotationFlags,
      ...(jobUid !== undefined && jobUid !== processUid ? { uid: jobUid } : {}),
    });
  } catch (err) {
    throw new PodSpecError((err as Error).message);
  }

  const volumes = planVolumes(pod, data.container ?? [], {
    jobDir,
    exportPodData: settings.raw.ExportPodData,
    allowedHostPathPrefixes: settings.allowedHostPathPrefixes,
  });
  warnings.push(...volumes.warnings);

  const runtimeOptions = optionWords(annotations, runtime);
  const mpiFlags = mpiOf(annotations[Annotations.mpiFlags]);
  const containerPlan = (c: V1Container, kind: ContainerKind, index: number): ContainerPlan => {
    const where = `container "${c.name}"`;
    const command = (c.command ?? []).map((w, i) => literal(w, `${where} command[${i}]`));
    const args = (c.args ?? []).map((w, i) => literal(w, `${where} args[${i}]`));
    if (command[0] === '') throw new PodSpecError(`${where}: command[0] is empty`);
    const sc = c.securityContext;
    const runAsUser = checkId(sc?.runAsUser, `${where} securityContext.runAsUser`) ?? podRunAsUser;
    const runAsGroup = checkId(sc?.runAsGroup, `${where} securityContext.runAsGroup`) ?? podRunAsGroup;
    const image = literal(c.image ?? '', `${where} image`);
    if (image.trim() === '' && runtime !== 'none') throw new PodSpecError(`${where}: image is empty`);
    const gpus = (r: string) => Number(c.resources?.limits?.[r] ?? c.resources?.requests?.[r] ?? 0) || 0;
    return {
      kind,
      index,
      name: c.name,
      runtime,
      image: resolveImage(image, runtime, settings, annotations[Annotations.imageRoot]),
      command,
      args,
      ...(c.workingDir ? { workingDir: literal(c.workingDir, `${where} workingDir`) } : {}),
      env: envOf(c, warnings),
      mounts: volumes.mounts.get(c.name) ?? [],
      nvidiaGpus: gpus('nvidia.com/gpu'),
      amdGpus: gpus('amd.com/gpu'),
      ...(runAsUser !== undefined ? { runAsUser } : {}),
      ...(runAsGroup !== undefined ? { runAsGroup } : {}),
      ...(c.imagePullPolicy ? { pullPolicy: c.imagePullPolicy } : {}),
      runtimeOptions,
      ...(kind === 'run' && mpiFlags ? { mpiFlags } : {}),
    };
  };

  const plan: JobPlan = {
    uid,
    namespace,
    podName,
    jobDir,
    bashPath: settings.raw.BashPath,
    sbatchFlags,
    commandPrefix: settings.raw.CommandPrefix,
    initContainers: (pod.spec?.initContainers ?? []).map((c, i) => containerPlan(c, 'init', i)),
    containers: (pod.spec?.containers ?? []).map((c, i) => containerPlan(c, 'run', i)),
    logTimestamps: settings.raw.LogTimestamps,
    runtimes: runtimeSettings(settings),
  };
  const podIp = annotations[Annotations.podIp];
  if (podIp) {
    if (isIP(podIp) === 0)
      throw new PodSpecError(`annotation ${Annotations.podIp}: "${podIp}" is not an IP address`);
    plan.podIp = podIp;
  }
  const preExec = annotations[Annotations.preExec];
  if (preExec) {
    if (!settings.raw.EnablePreExec) {
      throw new PodSpecError(
        `annotation ${Annotations.preExec} runs shell code on the host and is disabled here (EnablePreExec: false)`,
      );
    }
    const split = splitMeshScript(preExec);
    plan.preExec = split.preExec;
    if (split.meshScript !== undefined) plan.meshScript = split.meshScript;
  }
  const tunnel = annotations[Annotations.tunnelCommands];
  if (tunnel) {
    if (settings.raw.EnableTunnelCommands) plan.tunnelCommands = tunnel;
    else warnings.push(`annotation ${Annotations.tunnelCommands} ignored (EnableTunnelCommands: false)`);
  }
  if (data.jobScript) {
    if (data.jobScript.includes('\0')) throw new PodSpecError('jobScript contains a NUL byte');
    plan.customScript = data.jobScript;
    plan.initContainers = [];
    plan.containers = [
      {
        kind: 'run',
        index: 0,
        name: CUSTOM_SCRIPT_CONTAINER,
        runtime: 'none',
        image: '',
        command: [settings.raw.BashPath, JobFiles.customScript(jobDir)],
        args: [],
        env: [],
        mounts: [],
        nvidiaGpus: 0,
        amdGpus: 0,
        runtimeOptions: [],
      },
    ];
  }
  if (runtime === 'none' && [...plan.initContainers, ...plan.containers].some((c) => c.mounts.length > 0)) {
    warnings.push(`runtime "none" cannot mount volumes; their files are under ${jobDir}`);
  }
  const problems = planProblems(plan);
  if (problems.length > 0) throw new PodSpecError(problems.join('; '));
  return { plan, volumes, warnings };
}

/** The pod's own sbatch flags; what the sidecar leaves out becomes a warning naming the option. */
function podAnnotationFlags(
  text: string | undefined,
  settings: SidecarSettings,
  warnings: string[],
): SbatchFlag[] {
  try {
    const { flags, dropped } = parsePodFlags(text ? [text] : [], settings.flagPolicy);
    for (const d of dropped)
      warnings.push(`annotation ${Annotations.flags}: --${d.flag.name} dropped (${d.reason})`);
    return flags;
  } catch (err) {
    throw new PodSpecError(`annotation ${Annotations.flags}: ${(err as Error).message}`);
  }
}

function literal(value: string, where: string): string {
  checkLiteral(value, where);
  return value;
}

function chooseRuntime(annotation: string | undefined, settings: SidecarSettings): RuntimeName {
  if (annotation === undefined || annotation === '') return settings.defaultRuntime;
  if (!settings.allowedRuntimes.has(annotation as RuntimeName)) {
    throw new PodSpecError(
      `annotation ${Annotations.containerRuntime}: "${annotation}" is not allowed (allowed: ${[...settings.allowedRuntimes].join(', ')})`,
    );
  }
  return annotation as RuntimeName;
}

/** Only `env[].value` is used: the node controller resolves references before offloading. */
function envOf(c: V1Container, warnings: string[]): EnvVar[] {
  const byName = new Map<string, string>();
  for (const e of c.env ?? []) {
    const where = `container "${c.name}" env "${e.name}"`;
    if (!e.name || e.name.includes('=')) throw new PodSpecError(`${where}: invalid name`);
    checkLiteral(e.name, `${where} name`);
    if (e.value === undefined || e.value === null) {
      if (e.valueFrom)
        warnings.push(`${where}: valueFrom was not resolved by the node controller; variable not set`);
      else byName.set(e.name, '');
      continue;
    }
    byName.set(e.name, literal(e.value, `${where} value`));
  }
  return [...byName].map(([name, value]) => ({ name, value }));
}

export function resolveImage(
  image: string,
  runtime: RuntimeName,
  settings: SidecarSettings,
  imageRoot: string | undefined,
): string {
  if (runtime === 'docker' || runtime === 'podman' || runtime === 'none') return image;
  if (image.startsWith('/') || URI_SCHEME.test(image)) return image;
  const runtimePrefix = runtime === 'enroot' ? settings.raw.EnrootPrefix : settings.raw.SingularityPrefix;
  const prefix = imageRoot || runtimePrefix || settings.raw.ImagePrefix;
  return prefix + image;
}

function optionWords(annotations: Record<string, string>, runtime: RuntimeName): string[] {
  const keys =
    runtime === 'singularity' || runtime === 'apptainer'
      ? [Annotations.singularityOptions, Annotations.singularityMounts]
      : runtime === 'enroot'
        ? [Annotations.enrootOptions, Annotations.enrootMounts]
        : [];
  return keys.flatMap((k) => {
    const v = annotations[k];
    if (!v) return [];
    try {
      return splitShellWords(v);
    } catch (err) {
      throw new PodSpecError(`annotation ${k}: ${(err as Error).message}`);
    }
  });
}

/** `true` = mpiexec without extra flags; `false`/empty = off; anything else = extra flags. */
function mpiOf(value: string | undefined): string[] | undefined {
  if (value === undefined || value.trim() === '' || value.trim() === 'false') return undefined;
  if (value.trim() === 'true') return [];
  try {
    return splitShellWords(value);
  } catch (err) {
    throw new PodSpecError(`annotation ${Annotations.mpiFlags}: ${(err as Error).message}`);
  }
}

function runtimeSettings(s: SidecarSettings): RuntimeSettings {
  const r = s.raw;
  return {
    singularityPath: r.SingularityPath,
    apptainerPath: r.ApptainerPath,
    singularityOptions: r.SingularityDefaultOptions,
    enrootPath: r.EnrootPath,
    enrootOptions: r.EnrootDefaultOptions,
    podmanPath: r.PodmanPath,
    podmanOptions: r.PodmanDefaultOptions,
    dockerPath: r.DockerPath,
    dockerOptions: r.DockerDefaultOptions,
    mpiexecPath: r.MpiexecPath,
  };
}
