/** The pod cannot run here as specified (bad names, unsupported volume, path traversal...): answered 400. */
export class PodSpecError extends Error {
  override readonly name = 'PodSpecError';
}
