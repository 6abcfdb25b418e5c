import { describe, expect, it } from 'vitest';
import { RUN_MESH_LINE, splitMeshScript } from '../../src/pod/mesh-script';

const body = [
  '#!/bin/bash',
  'set -e',
  'echo "mesh $1 `hostname` $(id -u)" > "$JOB_DIR/mesh-ran"',
  "printf '%s\\n' 'it''s'",
];

describe('splitMeshScript (pre-exec EOFMESH heredoc)', () => {
  it('takes the heredoc out, byte for byte, and runs the file in its place', () => {
    const text = ['export A=1', "cat <<'EOFMESH' > $TMPDIR/mesh.sh", ...body, 'EOFMESH', 'echo after'].join(
      '\n',
    );
    expect(splitMeshScript(text)).toEqual({
      preExec: ['export A=1', RUN_MESH_LINE, 'echo after'].join('\n'),
      meshScript: `${body.join('\n')}\n`,
    });
  });

  it('accepts the other spellings of the same redirection', () => {
    for (const opener of [
      'cat << EOFMESH > "$TMPDIR/mesh.sh"',
      'cat <<"EOFMESH" > ${TMPDIR}/mesh.sh',
      'cat > $TMPDIR/mesh.sh <<EOFMESH',
      '  cat > "${TMPDIR}/mesh.sh" << \'EOFMESH\'  ',
    ]) {
      const split = splitMeshScript([opener, 'echo hi', 'EOFMESH'].join('\n'));
      expect(split, opener).toEqual({ preExec: RUN_MESH_LINE, meshScript: 'echo hi\n' });
    }
  });

  it('strips leading tabs of <<- heredocs, as bash does', () => {
    const split = splitMeshScript(
      ["cat <<-'EOFMESH' > $TMPDIR/mesh.sh", '\t\techo tabbed', '\tEOFMESH'].join('\n'),
    );
    expect(split).toEqual({ preExec: RUN_MESH_LINE, meshScript: 'echo tabbed\n' });
  });

  it('leaves everything else to bash', () => {
    const plain = 'export A=1\ncat > "$JOB_DIR/f" <<EOF\nx\nEOF';
    expect(splitMeshScript(plain)).toEqual({ preExec: plain });
    const otherFile = "cat <<'EOFMESH' > $TMPDIR/other.sh\nx\nEOFMESH";
    expect(splitMeshScript(otherFile)).toEqual({ preExec: otherFile });
    const unterminated = "cat <<'EOFMESH' > $TMPDIR/mesh.sh\necho never closed";
    expect(splitMeshScript(unterminated)).toEqual({ preExec: unterminated });
    // The delimiter must be alone on its line.
    const notClosed = "cat <<'EOFMESH' > $TMPDIR/mesh.sh\necho EOFMESH\n EOFMESH";
    expect(splitMeshScript(notClosed)).toEqual({ preExec: notClosed });
  });
});
