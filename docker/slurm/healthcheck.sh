#!/bin/sh
# Healthy = munge works, slurmctld answers and the node is in a schedulable state.
munge -n | unmunge >/dev/null 2>&1 || { echo "munge not answering"; exit 1; }
scontrol ping | grep -q 'is UP' || { echo "slurmctld down"; exit 1; }
state=$(sinfo --noheader --Node --format=%T 2>/dev/null | head -n1)
case "$state" in
  idle*|mixed*|allocated*|completing*) exit 0 ;;
  *) echo "node state: ${state:-unknown}"; exit 1 ;;
esac
