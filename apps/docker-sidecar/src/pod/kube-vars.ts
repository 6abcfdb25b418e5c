/**
 * Kubernetes `$(VAR)` expansion as the kubelet does it for env values, command and args:
 * `$(NAME)` becomes the value when NAME is defined and stays literally otherwise; `$$` is an
 * escaped `$`; any other `$` is kept. Nothing else is interpreted (no shell).
 */
export function expandKubeVars(input: string, lookup: (name: string) => string | undefined): string {
  let out = '';
  for (let i = 0; i < input.length; i++) {
    const ch = input[i];
    if (ch === '$' && i + 1 < input.length) {
      const next = input[i + 1];
      if (next === '$') {
        out += '$';
        i++;
        continue;
      }
      if (next === '(') {
        const close = input.indexOf(')', i + 2);
        if (close !== -1) {
          const name = input.slice(i + 2, close);
          const value = lookup(name);
          out += value ?? `$(${name})`;
          i = close;
          continue;
        }
      }
    }
    out += ch;
  }
  return out;
}
