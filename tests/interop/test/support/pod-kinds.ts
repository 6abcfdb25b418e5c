import type { V1Container, V1Pod } from '@kubernetes/client-node';

/** Where pods mount volumes: on the Slurm node the stand-in creates these mount points. */
export function mountRoot(ns: string): string {
  return `/tmp/interop-mnt/${ns}`;
}

export function box(name: string, script: string, extra: Partial<V1Container> = {}): V1Container {
  return {
    name,
    image: 'busybox:latest',
    imagePullPolicy: 'IfNotPresent',
    command: ['sh', '-c', script],
    ...extra,
  };
}

/** A pod bound to the chain's node (no scheduler in between), tolerating upstream's taint. */
export function podOn(node: string, name: string, spec: Partial<NonNullable<V1Pod['spec']>>): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: {
      nodeName: node,
      restartPolicy: 'Never',
      terminationGracePeriodSeconds: 5,
      tolerations: [{ key: 'virtual-node.interlink/no-schedule', operator: 'Exists' }],
      containers: [],
      ...spec,
    },
  };
}

export function helloPod(node: string): V1Pod {
  return podOn(node, 'hello', {
    containers: [
      box('hello', 'echo "hello from $MY_POD_NAME"', {
        env: [{ name: 'MY_POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
      }),
    ],
  });
}

export const CONFIG_OBJECTS = [
  {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'interop-cm' },
    data: { greeting: 'hi-from-configmap' },
  },
  {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'interop-secret' },
    stringData: { token: 's3cret-token' },
  },
];

export function configPod(node: string, ns: string): V1Pod {
  const root = mountRoot(ns);
  const script = [
    'echo "env cm=$GREETING secret=$TOKEN"',
    `echo "file cm=$(cat ${root}/cm/greeting) secret=$(cat ${root}/secret/token)"`,
  ].join('; ');
  return podOn(node, 'config', {
    volumes: [
      { name: 'cm', configMap: { name: 'interop-cm' } },
      { name: 'secret', secret: { secretName: 'interop-secret' } },
    ],
    containers: [
      box('config', script, {
        env: [
          { name: 'GREETING', valueFrom: { configMapKeyRef: { name: 'interop-cm', key: 'greeting' } } },
          { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'interop-secret', key: 'token' } } },
        ],
        volumeMounts: [
          { name: 'cm', mountPath: `${root}/cm` },
          { name: 'secret', mountPath: `${root}/secret` },
        ],
      }),
    ],
  });
}

export const CONFIG_LINES = [
  'env cm=hi-from-configmap secret=s3cret-token',
  'file cm=hi-from-configmap secret=s3cret-token',
];

export function sharedDirPod(node: string, ns: string): V1Pod {
  const dir = `${mountRoot(ns)}/shared`;
  const mount = [{ name: 'shared', mountPath: dir }];
  return podOn(node, 'shared', {
    volumes: [{ name: 'shared', emptyDir: {} }],
    initContainers: [box('init', `echo from-init > ${dir}/init.txt`, { volumeMounts: mount })],
    containers: [
      box('writer', `cat ${dir}/init.txt; echo from-writer > ${dir}/writer.txt`, { volumeMounts: mount }),
      box(
        'reader',
        `for i in $(seq 60); do [ -s ${dir}/writer.txt ] && break; sleep 0.5; done; echo "reader sees $(cat ${dir}/init.txt) $(cat ${dir}/writer.txt)"`,
        { volumeMounts: mount },
      ),
    ],
  });
}

export function failingPod(node: string): V1Pod {
  return podOn(node, 'exit3', { containers: [box('fail', 'echo about to fail; exit 3')] });
}

export function longRunningPod(node: string): V1Pod {
  return podOn(node, 'ticker', {
    containers: [box('ticker', 'i=0; while true; do echo "tick $i"; i=$((i+1)); sleep 1; done')],
  });
}

export function burstPods(node: string, count: number): V1Pod[] {
  return Array.from({ length: count }, (_, i) =>
    podOn(node, `burst-${i}`, { containers: [box('burst', `echo "burst pod ${i} done"`)] }),
  );
}
