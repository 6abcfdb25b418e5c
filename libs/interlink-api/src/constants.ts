/** Correlation id header carried on every hop. */
export const SESSION_HEADER = 'InterLink-Http-Session';
/** Pod annotation where the node controller stores the remote job id. */
export const JOB_ID_ANNOTATION = 'JobID';
/** Node annotation holding the raw body of the last successful ping. */
export const PING_RESPONSE_ANNOTATION = 'interlink.virtual-kubelet.io/ping-response';
/** Taint every virtual node carries; plugin taints with this key are ignored. */
export const VIRTUAL_NODE_TAINT_KEY = 'virtual-node.interlink/no-schedule';
/** Conventional ports. */
export const DEFAULT_RELAY_PORT = 3000;
export const DEFAULT_PLUGIN_PORT = 4000;
export const DEFAULT_KUBELET_PORT = 10250;

/** Paths served by the relay (hop 1) and by plugins (hop 2). */
export const RelayPaths = {
  ping: '/pinglink',
  create: '/create',
  status: '/status',
  delete: '/delete',
  logs: '/getLogs',
  updateCache: '/updateCache',
  /** Extension (not upstream): refreshed volume content of a running pod, e.g. rotated tokens. */
  updateVolumes: '/updateVolumes',
  /** Extension (not upstream): the pods the plugin runs, for orphan collection. */
  listPods: '/listPods',
} as const;
export const PluginPaths = {
  create: '/create',
  status: '/status',
  delete: '/delete',
  logs: '/getLogs',
  /** Extension (not upstream): refreshed volume content of a running pod, e.g. rotated tokens. */
  updateVolumes: '/updateVolumes',
  /** Extension (not upstream): the pods the plugin runs, for orphan collection. */
  listPods: '/listPods',
} as const;

/**
 * `reason` of the JSON error a relay or plugin answers to `/updateVolumes` for a pod it does not
 * run. Any other 404/405/501 means the endpoint itself is missing (an upstream relay or plugin).
 */
export const POD_NOT_FOUND_REASON = 'PodNotFound';
