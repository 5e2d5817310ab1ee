package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// CPU per event: the cluster's CPU (the postmaster, its reaped children and
// its live children, from /proc, as scripts/bench_pgbench.sh counts it)
// and this process's (the Go client: pgx, pgstore), over each measured
// window. It is what a CPU-bound machine pays per event, whatever else
// runs on it, so it compares variants on a shared machine better than
// events/s alone.

// postmasterPID is the benchmarked cluster's postmaster (0: unknown, e.g.
// a remote server; no CPU is then reported).
var postmasterPID int

// clockTicks is /proc's unit (USER_HZ; 100 on Linux).
const clockTicks = 100

// findPostmaster sets postmasterPID from the server's data directory, when
// it is readable here.
func findPostmaster(ctx context.Context, conn *pgx.Conn) {
	var dir string
	if err := conn.QueryRow(ctx, "SHOW data_directory").Scan(&dir); err != nil {
		return
	}
	b, err := os.ReadFile(filepath.Join(dir, "postmaster.pid"))
	if err != nil {
		return
	}
	first, _, _ := strings.Cut(string(b), "\n")
	if pid, err := strconv.Atoi(strings.TrimSpace(first)); err == nil {
		postmasterPID = pid
	}
}

// procStat returns the fields of /proc/pid/stat after the command name
// (field 3, the state, is [0]).
func procStat(pid int) []string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return nil
	}
	return strings.Fields(s[i+1:])
}

func fieldSum(f []string, idx ...int) int64 {
	var t int64
	for _, i := range idx {
		if i < len(f) {
			n, _ := strconv.ParseInt(f[i], 10, 64)
			t += n
		}
	}
	return t
}

// clusterCPU returns the cluster's CPU time so far (0 when unknown).
func clusterCPU() time.Duration {
	if postmasterPID == 0 {
		return 0
	}
	// utime, stime, cutime, cstime are fields 14-17 ([11]-[14]); ppid is
	// field 4 ([1]).
	ticks := fieldSum(procStat(postmasterPID), 11, 12, 13, 14)
	entries, _ := os.ReadDir("/proc")
	ppid := strconv.Itoa(postmasterPID)
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if f := procStat(pid); len(f) > 12 && f[1] == ppid {
			ticks += fieldSum(f, 11, 12)
		}
	}
	return time.Duration(ticks) * time.Second / clockTicks
}

// processCPU returns this process's CPU time so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cpuSnapshot is both CPU times at one moment.
type cpuSnapshot struct{ cluster, client time.Duration }

func snapCPU() cpuSnapshot { return cpuSnapshot{clusterCPU(), processCPU()} }

// writeCPU lists the CPU per event of every row.
func writeCPU(w io.Writer, results []result) {
	if postmasterPID == 0 {
		return
	}
	fmt.Fprintln(w, "\nCPU per event over the measured windows (cluster: the postmaster and all its processes; client: this Go process):")
	for _, r := range results {
		if r.s.events == 0 {
			continue
		}
		fmt.Fprintf(w, "- %s, %d clients: cluster %.0f µs/event, client %.0f µs/event\n", r.v.key, r.clients,
			float64(r.s.clusterCPU.Microseconds())/float64(r.s.events), float64(r.s.clientCPU.Microseconds())/float64(r.s.events))
	}
}
