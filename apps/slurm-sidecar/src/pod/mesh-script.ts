/**
 * Upstream's special case of the `slurm-job.vk.io/pre-exec` annotation: a heredoc writing
 * `$TMPDIR/mesh.sh` with the delimiter `EOFMESH` (what interLink's mesh networking puts there)
 * is taken out of the pre-exec text, stored as `<job dir>/mesh.sh` (0774) and replaced by a
 * line that runs that file. The job then does not depend on `$TMPDIR` (often unset in batch
 * jobs) and the script body reaches the file byte for byte.
 */
export interface MeshSplit {
  /** The pre-exec text with the heredoc replaced. */
  preExec: string;
  /** The heredoc body, when there was one. */
  meshScript?: string;
}

/** A line running the extracted file, relative to the job directory the script cd's into. */
export const RUN_MESH_LINE = '"$JOB_DIR/mesh.sh"';

// `cat <<'EOFMESH' > $TMPDIR/mesh.sh`, `cat > "${TMPDIR}/mesh.sh" <<-EOFMESH`, ...
const TARGET = String.raw`"?\$(?:TMPDIR|\{TMPDIR\})/mesh\.sh"?`;
const OPENER = new RegExp(
  String.raw`^\s*cat\s+(?:<<(-?)\s*(['"]?)EOFMESH\2\s*>\s*${TARGET}|>\s*${TARGET}\s*<<(-?)\s*(['"]?)EOFMESH\4)\s*$`,
);

export function splitMeshScript(preExec: string): MeshSplit {
  const lines = preExec.split('\n');
  const start = lines.findIndex((l) => OPENER.test(l));
  if (start < 0) return { preExec };
  const match = OPENER.exec(lines[start] ?? '');
  const stripTabs = (match?.[1] ?? match?.[3]) === '-';
  const body: string[] = [];
  let end = -1;
  for (let i = start + 1; i < lines.length; i++) {
    const line = stripTabs ? (lines[i] ?? '').replace(/^\t+/, '') : (lines[i] ?? '');
    if (line === 'EOFMESH') {
      end = i;
      break;
    }
    body.push(line);
  }
  // An unterminated heredoc is left to bash, which reads it to the end of the text as it would.
  if (end < 0) return { preExec };
  const rest = [...lines.slice(0, start), RUN_MESH_LINE, ...lines.slice(end + 1)];
  return { preExec: rest.join('\n'), meshScript: body.length > 0 ? `${body.join('\n')}\n` : '' };
}
