import type { V1ConfigMap, V1Secret, V1Service } from '@kubernetes/client-node';
import type { PodObjectSource } from '../../src/pods/object-source';

/** In-memory PodObjectSource for unit tests of pure resolution logic. */
export class MapObjects implements PodObjectSource {
  configMaps = new Map<string, V1ConfigMap>();
  secrets = new Map<string, V1Secret>();
  svc = new Map<string, V1Service[]>();
  async configMap(ns: string, name: string): Promise<V1ConfigMap | undefined> {
    return this.configMaps.get(`${ns}/${name}`);
  }
  async secret(ns: string, name: string): Promise<V1Secret | undefined> {
    return this.secrets.get(`${ns}/${name}`);
  }
  async services(ns: string): Promise<V1Service[]> {
    return this.svc.get(ns) ?? [];
  }
}
