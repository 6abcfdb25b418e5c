import type { V1Pod } from '@kubernetes/client-node';

export const UID_A = '3b1f6a52-0d84-4c57-9e3a-7a2c1d9e4b10';
export const UID_B = 'c09948fc-1b09-40b9-8883-0d67e795435e';

export function pod(uid: string, name = `pod-${uid.slice(0, 8)}`, phase = 'Running'): V1Pod {
  return {
    metadata: { name, namespace: 'default', uid, annotations: { JobID: '42' } },
    spec: { containers: [{ name: 'main', image: 'busybox' }], nodeName: 'vk' },
    status: { phase },
  };
}

export function podStatus(uid: string, name = `pod-${uid.slice(0, 8)}`) {
  return {
    name,
    UID: uid,
    namespace: 'default',
    JID: '42',
    containers: [
      {
        name: 'main',
        state: { running: { startedAt: '2026-03-02T11:00:42Z' } },
        lastState: {},
        ready: true,
        restartCount: 0,
        image: '',
        imageID: '',
      },
    ],
    initContainers: null,
  };
}

/** A create request shaped like upstream example 2: init container, CM, secret, projected volume. */
export function createRequest(jobscriptURL = '') {
  return {
    pod: {
      metadata: {
        name: 'g4sim-0',
        namespace: 'physics',
        uid: UID_B,
        creationTimestamp: '2026-03-02T10:15:00Z',
      },
      spec: {
        volumes: [
          { name: 'run-config', configMap: { name: 'g4sim-config' } },
          { name: 's3-creds', secret: { secretName: 's3-credentials' } },
          { name: 'scratch', emptyDir: {} },
          {
            name: 'kube-api-access-7xk2p',
            projected: { sources: [{ serviceAccountToken: { path: 'token' } }] },
          },
        ],
        initContainers: [
          {
            name: 'stage-input',
            image: 'busybox:1.36',
            volumeMounts: [
              { name: 'run-config', mountPath: '/config' },
              { name: 'run-config', mountPath: '/config2', subPath: 'run.mac' },
              { name: 'kube-api-access-7xk2p', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' },
            ],
          },
        ],
        containers: [
          {
            name: 'simulate',
            image: 'ghcr.io/example/g4sim:11.2',
            volumeMounts: [
              { name: 'scratch', mountPath: '/scratch' },
              { name: 's3-creds', mountPath: '/etc/s3' },
              { name: 'kube-api-access-7xk2p', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' },
            ],
          },
        ],
      },
      status: { phase: 'Pending' },
    },
    configmaps: [
      { metadata: { name: 'g4sim-config', namespace: 'physics' }, data: { 'run.mac': '/run/beamOn 1000\n' } },
    ],
    secrets: [
      {
        metadata: { name: 's3-credentials', namespace: 'physics' },
        data: { KEY: 'QUtJQQ==' },
        type: 'Opaque',
      },
    ],
    projectedvolumesmaps: [
      {
        metadata: { name: 'kube-api-access-7xk2p', creationTimestamp: null },
        data: { token: 'eyJ...', namespace: 'physics' },
      },
    ],
    jobscriptURL,
  };
}

export function logStruct(opts: Record<string, unknown> = {}, overrides: Record<string, unknown> = {}) {
  return {
    Namespace: 'physics',
    PodUID: UID_B,
    PodName: 'g4sim-0',
    ContainerName: 'simulate',
    Opts: {
      Tail: 0,
      Bytes: 0,
      Timestamps: false,
      Follow: false,
      Previous: false,
      SinceSeconds: 0,
      SinceTime: '0001-01-01T00:00:00Z',
      ...opts,
    },
    ...overrides,
  };
}
