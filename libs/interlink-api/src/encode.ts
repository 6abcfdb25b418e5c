import type { V1ConfigMap, V1Pod, V1Secret } from '@kubernetes/client-node';
import { GO_ZERO_TIME } from './schemas/helpers';
import type {
  ContainerLogOpts,
  LogStruct,
  PodCreateRequests,
  PodStatus,
  RetrievedContainer,
  RetrievedPodData,
  ScriptBuildConfig,
} from './schemas/messages';

/** The all-zero job script configuration Go always emits. */
export function emptyScriptBuildConfig(): ScriptBuildConfig {
  return {
    SingularityHubProxy: { server: '', master_token: '', cache_validity_seconds: 0 },
    ApptainerOptions: {
      executable: '',
      fakeroot: false,
      containall: false,
      fuseMode: '',
      noInit: false,
      noHome: false,
      noPrivs: false,
      nvidiaSupport: false,
      cleanenv: false,
      unsquash: false,
    },
    Volumes: {
      scratch_area: '',
      apptainer_cachedir: '',
      image_dir: '',
      additional_directories_in_path: [],
      fuse_sleep_seconds: 0,
    },
  };
}

function pushOnce<T extends V1ConfigMap | V1Secret>(list: T[], item: T | undefined): void {
  if (item && !list.some((x) => x.metadata?.name === item.metadata?.name)) list.push(item);
}

/**
 * Reshapes a hop-1 create request into the hop-2 body: one entry per container (init
 * containers first, spec order) with only the ConfigMaps, Secrets and projected maps that
 * container mounts, each once even if mounted twice.
 */
export function buildRetrievedPodData(
  req: PodCreateRequests,
  jobConfig = emptyScriptBuildConfig(),
): RetrievedPodData {
  const pod = req.pod;
  const volumes = new Map((pod.spec?.volumes ?? []).map((v) => [v.name, v]));
  const containers = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  const container: RetrievedContainer[] = containers.map((c) => {
    const entry: RetrievedContainer = {
      name: c.name,
      configMaps: [],
      projectedvolumemaps: [],
      secrets: [],
      emptyDirs: [],
    };
    for (const mount of c.volumeMounts ?? []) {
      const vol = volumes.get(mount.name);
      if (!vol) continue;
      if (vol.configMap) {
        pushOnce(
          entry.configMaps,
          req.configmaps.find((cm) => cm.metadata?.name === vol.configMap?.name),
        );
      } else if (vol.secret) {
        pushOnce(
          entry.secrets,
          req.secrets.find((s) => s.metadata?.name === vol.secret?.secretName),
        );
      } else if (vol.projected || vol.downwardAPI) {
        pushOnce(
          entry.projectedvolumemaps,
          req.projectedvolumesmaps.find((p) => p.metadata?.name === vol.name),
        );
      }
    }
    return entry;
  });
  return { pod, container, jobConfig };
}

/** Log options with every key present, as the Go side writes them. */
export function completeLogOpts(opts: Partial<ContainerLogOpts> = {}): ContainerLogOpts {
  return {
    Tail: opts.Tail ?? 0,
    Bytes: opts.Bytes ?? 0,
    Timestamps: opts.Timestamps ?? false,
    Follow: opts.Follow ?? false,
    Previous: opts.Previous ?? false,
    SinceSeconds: opts.SinceSeconds ?? 0,
    SinceTime: opts.SinceTime ?? GO_ZERO_TIME,
  };
}

export function makeLogStruct(l: Omit<LogStruct, 'Opts'> & { Opts?: Partial<ContainerLogOpts> }): LogStruct {
  return { ...l, Opts: completeLogOpts(l.Opts) };
}

/** `SinceTime` as a Date, or undefined when unset (null or the Go zero time). */
export function sinceTimeOf(opts: ContainerLogOpts): Date | undefined {
  const t = opts.SinceTime;
  if (!t || t === GO_ZERO_TIME || t.startsWith('0001-01-01')) return undefined;
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** A PodStatus with arrays instead of nulls, ready to send. */
export function makePodStatus(
  pod: V1Pod,
  fields: Partial<Omit<PodStatus, 'name' | 'UID' | 'namespace'>> = {},
): PodStatus {
  return {
    name: pod.metadata?.name ?? '',
    UID: pod.metadata?.uid ?? '',
    namespace: pod.metadata?.namespace ?? '',
    JID: fields.JID ?? '',
    containers: fields.containers ?? [],
    initContainers: fields.initContainers ?? [],
  };
}
