#!/usr/bin/env bash
# Runs a command with a real one-node Slurm cluster on this machine, then stops it:
#   scripts/with-slurm.sh swift test
# Starts munged, slurmctld and slurmd in the foreground of this script (no systemd, no cgroups:
# ProctrackType=proctrack/linuxproc, TaskPlugin=task/none), each with its state, logs and sockets in
# a fresh temporary folder, on ports of their own. The command sees SLURM_CONF (sbatch, squeue,
# scancel find the cluster through it) and RACKFOCUS_SLURM_CLUSTER=1 (the farm tests run then).
# The daemons are stopped by their PIDs when the command ends, also when it fails or is interrupted.
# Debian packages: slurmctld slurmd slurm-client munge.
set -euo pipefail
[ $# -gt 0 ] || { echo "usage: $0 COMMAND [ARGS...]" >&2; exit 2; }
for tool in munged slurmctld slurmd sbatch sinfo; do
  command -v "$tool" >/dev/null || { echo "$0: $tool not found: apt-get install slurmctld slurmd slurm-client munge" >&2; exit 2; }
done

dir="$(mktemp -d "${TMPDIR:-/tmp}/rackfocus-slurm.XXXXXX")"
chmod 755 "$dir"
pids=()
stop() {
  local status=$?
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [ "$status" -ne 0 ] && [ -n "${RACKFOCUS_SLURM_KEEP_LOGS:-}" ]; then echo "slurm logs kept in $dir" >&2; else rm -rf "$dir"; fi
  exit "$status"
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

host="$(hostname -s)"
user="$(id -un)"
cpus="$(nproc)"
memory=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 / 2 ))
# Ports of our own (a base derived from the PID, so two clusters on one machine do not collide).
base=$(( 20000 + ($$ % 2000) * 2 ))
mkdir -p "$dir/state" "$dir/spool" "$dir/munge"
chmod 711 "$dir/munge"
dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$dir/munge/munge.key"

munged --force --foreground --socket="$dir/munge/munge.socket" --key-file="$dir/munge/munge.key" \
  --pid-file="$dir/munge/munged.pid" --log-file="$dir/munge/munged.log" --seed-file="$dir/munge/munged.seed" \
  >>"$dir/munge/munged.out" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -S "$dir/munge/munge.socket" ] && break; sleep 0.05; done
[ -S "$dir/munge/munge.socket" ] || { echo "$0: munged did not start" >&2; exit 1; }

cat > "$dir/slurm.conf" <<CONF
ClusterName=rackfocus
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$base
SlurmdPort=$((base + 1))
SlurmUser=$user
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MpiDefault=none
MailProg=/bin/true
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
KillWait=10
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=rackfocus Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$dir/slurm.conf"

slurmctld -D -f "$SLURM_CONF" >>"$dir/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" >>"$dir/slurmd.out" 2>&1 &
pids+=($!)
ready=""
for _ in $(seq 200); do
  if sinfo -h -o %t 2>/dev/null | grep -qE '^(idle|mix|alloc)'; then ready=1; break; fi
  sleep 0.1
done
if [ -z "$ready" ]; then
  echo "$0: the Slurm node did not come up" >&2
  tail -20 "$dir/slurmctld.out" "$dir/slurmd.out" >&2 || true
  exit 1
fi
echo "slurm: one-node cluster up ($host, $cpus CPUs, SLURM_CONF=$SLURM_CONF)" >&2
export RACKFOCUS_SLURM_CLUSTER=1
"$@"
