#!/bin/bash
# munged, slurmctld and slurmd in the foreground of one container; the container stops when
# any of them dies (compose restarts it). SIGTERM stops all three.
set -euo pipefail

if [[ ! -s /etc/munge/munge.key ]]; then
  echo "slurm: creating a munge key" >&2
  mkdir -p /etc/munge
  dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 status=none
fi
chown -R munge:munge /etc/munge /run/munge /var/lib/munge /var/log/munge 2>/dev/null || true
chmod 0700 /etc/munge; chmod 0400 /etc/munge/munge.key; chmod 0755 /run/munge
rm -f /run/munge/munge.socket.2 /run/munge/munge.socket.2.lock

# The node name in slurm.conf must resolve to this container.
node=$(sed -n 's/^NodeName=\([^ ]*\).*/\1/p' /etc/slurm/slurm.conf | head -n1)
if [[ -n $node ]] && ! getent hosts "$node" >/dev/null; then
  echo "127.0.0.1 $node" >>/etc/hosts
fi

pids=()
setpriv --reuid=munge --regid=munge --init-groups /usr/sbin/munged --foreground &
pids+=($!)
for _ in $(seq 50); do munge -n >/dev/null 2>&1 && break; sleep 0.1; done
/usr/sbin/slurmctld -D -i &
pids+=($!)
for _ in $(seq 100); do scontrol ping 2>/dev/null | grep -q 'is UP' && break; sleep 0.1; done
/usr/sbin/slurmd -D -N "$node" &
pids+=($!)

stop() { kill -TERM "${pids[@]}" 2>/dev/null || true; }
trap stop TERM INT
# Wait for the first daemon to exit, then take the others down with it.
wait -n "${pids[@]}" || true
stop
wait || true
exit 1
