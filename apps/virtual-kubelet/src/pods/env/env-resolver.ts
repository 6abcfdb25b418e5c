import type { V1Container, V1EnvVar, V1Pod, V1Service } from '@kubernetes/client-node';
import { MissingObjectError, PodSpecError, type PodObjectSource } from '../object-source';
import { expandVars, lookupIn } from './expansion';
import { fieldRefValue, FieldRefError, resourceFieldValue, type PodAddresses } from './field-ref';
import { serviceLinkEnv } from './service-env';
import { QuantityError } from '@interlink/kube-quantity';

export interface EnvResolverOptions {
  /** Node allocatable, the default for unset limits in resourceFieldRef. */
  nodeAllocatable: () => Record<string, string>;
  /** `KubernetesApiAddr`/`KubernetesApiPort`: where the remote side reaches the API server. */
  apiOverride?: { host: string; port: string };
}

/** Printable ASCII except '=' (RelaxedEnvironmentVariableValidation, on by default since 1.32). */
const ENV_NAME = /^[\x20-\x3c\x3e-\x7e]+$/;

export interface ResolvedContainer {
  env: V1EnvVar[];
  command?: string[];
  args?: string[];
}

/**
 * Turns a container's `env`, `envFrom` and service links into literal values exactly as the
 * kubelet does: envFrom first (prefix applied, invalid names skipped), then env in order with
 * `$(VAR)` expansion against what came before and the service variables, then the service
 * variables not already set. Output order is deterministic: env order, then the rest sorted.
 * Throws MissingObjectError for a missing mandatory ConfigMap/Secret/key.
 */
export class EnvResolver {
  constructor(
    private readonly objects: PodObjectSource,
    private readonly options: EnvResolverOptions,
  ) {}

  /** Loads the service-link variables once per pod. */
  async serviceEnv(pod: V1Pod): Promise<Map<string, string>> {
    const ns = pod.metadata?.namespace ?? 'default';
    const enable = pod.spec?.enableServiceLinks ?? true;
    const nsServices: V1Service[] = enable ? await this.objects.services(ns) : [];
    const defaults = ns === 'default' ? nsServices : await this.objects.services('default');
    const kubernetes = defaults.find((s) => s.metadata?.name === 'kubernetes');
    return serviceLinkEnv(ns, enable, nsServices, kubernetes, this.options.apiOverride);
  }

  async resolve(pod: V1Pod, container: V1Container, serviceEnv: Map<string, string>, addr: PodAddresses): Promise<ResolvedContainer> {
    const ns = pod.metadata?.namespace ?? 'default';
    const env = new Map<string, string>();
    const order: string[] = [];
    const set = (k: string, v: string): void => {
      if (!env.has(k)) order.push(k);
      env.set(k, v);
    };

    for (const from of container.envFrom ?? []) {
      const prefix = from.prefix ?? '';
      let data: Record<string, string> | undefined;
      if (from.configMapRef) {
        const cm = await this.objects.configMap(ns, from.configMapRef.name ?? '');
        if (!cm) {
          if (from.configMapRef.optional) continue;
          throw new MissingObjectError('ConfigMap', ns, from.configMapRef.name ?? '');
        }
        data = { ...(cm.data ?? {}) };
      } else if (from.secretRef) {
        const secret = await this.objects.secret(ns, from.secretRef.name ?? '');
        if (!secret) {
          if (from.secretRef.optional) continue;
          throw new MissingObjectError('Secret', ns, from.secretRef.name ?? '');
        }
        data = Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
      }
      for (const [k, v] of Object.entries(data ?? {})) {
        const name = prefix + k;
        if (ENV_NAME.test(name)) set(name, v);
      }
    }

    const lookup = lookupIn(env, serviceEnv);
    for (const e of container.env ?? []) {
      set(e.name, await this.value(pod, container, e, lookup, addr));
    }
    const result: V1EnvVar[] = order.map((name) => ({ name, value: env.get(name) ?? '' }));
    for (const [k, v] of serviceEnv) if (!env.has(k)) result.push({ name: k, value: v });

    const finalEnv = new Map(result.map((e) => [e.name, e.value ?? '']));
    const expand = (s: string): string => expandVars(s, (n) => finalEnv.get(n));
    const out: ResolvedContainer = { env: result };
    if (container.command) out.command = container.command.map(expand);
    if (container.args) out.args = container.args.map(expand);
    return out;
  }

  private async value(pod: V1Pod, container: V1Container, e: V1EnvVar, lookup: (n: string) => string | undefined, addr: PodAddresses): Promise<string> {
    const ns = pod.metadata?.namespace ?? 'default';
    const from = e.valueFrom;
    if (!from) return expandVars(e.value ?? '', lookup);
    try {
      if (from.fieldRef) return fieldRefValue(pod, from.fieldRef.fieldPath, addr);
      const rf = from.resourceFieldRef;
      if (rf) {
        const target = rf.containerName ? [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find((c) => c.name === rf.containerName) : container;
        return resourceFieldValue(target, rf.resource, rf.divisor as string | undefined, this.options.nodeAllocatable());
      }
    } catch (err) {
      if (err instanceof FieldRefError || err instanceof QuantityError) throw new PodSpecError(`env ${e.name} of container ${container.name}: ${err.message}`);
      throw err;
    }
    if (from.configMapKeyRef) {
      const ref = from.configMapKeyRef;
      const cm = await this.objects.configMap(ns, ref.name ?? '');
      if (!cm) {
        if (ref.optional) return '';
        throw new MissingObjectError('ConfigMap', ns, ref.name ?? '');
      }
      const binary = cm.binaryData?.[ref.key];
      const v = cm.data?.[ref.key] ?? (binary !== undefined ? Buffer.from(binary, 'base64').toString('utf8') : undefined);
      if (v === undefined) {
        if (ref.optional) return '';
        throw new MissingObjectError('ConfigMap', ns, ref.name ?? '', ref.key);
      }
      return v;
    }
    if (from.secretKeyRef) {
      const ref = from.secretKeyRef;
      const secret = await this.objects.secret(ns, ref.name ?? '');
      if (!secret) {
        if (ref.optional) return '';
        throw new MissingObjectError('Secret', ns, ref.name ?? '');
      }
      const v = secret.data?.[ref.key];
      if (v === undefined) {
        if (ref.optional) return '';
        throw new MissingObjectError('Secret', ns, ref.name ?? '', ref.key);
      }
      return Buffer.from(v, 'base64').toString('utf8');
    }
    throw new PodSpecError(`env ${e.name} of container ${container.name}: valueFrom has no supported source`);
  }
}
