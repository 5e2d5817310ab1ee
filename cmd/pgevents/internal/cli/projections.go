package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/pgevents/pgevents/pgstore"
	"github.com/pgevents/pgevents/projection/live"
)

const projectionsUsage = `Usage:
  pgevents [--database-url URL] projections [--name N] [--json]
  pgevents [--database-url URL] projections rebuild NAME [--interval D] [--json]
  pgevents [--database-url URL] projections drop NAME

Lists the live projections (package projection/live, registered by their
runners in pgevents.live_projections): projector version, consumer group,
state (live, catching-up, parked, stopped, failed), cursor, lag in events
and time, parked events, and the error that stopped a failed one; then the
blue/green rebuilds in progress (a runner with a newer projector version
rebuilds beside the serving version and switches in once caught up):
version, build, projections built, events left. --json prints one JSON
object per line.

rebuild shows the progress of NAME's blue/green rebuild: a runner started
with a newer projector version rebuilds it from the first event beside the
serving version (which keeps serving reads), and switches it in atomically
once caught up. It samples the rebuild twice, --interval apart (default
1s), and prints the version and build rebuilt, projections built, events
left, the net rate (events left that went, per second) and the ETA at that
rate; without a rebuild in progress it says so (exit 0).

drop removes a live projection with its consumer group, the projections
stored under its name and their snapshots (pgevents.drop_live_projection),
and prints how many projections it deleted; it exits 1 when no live
projection has the name. A runner still running it stops at its next batch.
`

// projections is "pgevents projections".
func (e *env) projections(ctx context.Context, databaseURL string, args []string) error {
	if len(args) > 0 && args[0] == "drop" {
		return e.dropProjection(ctx, databaseURL, args[1:])
	}
	if len(args) > 0 && args[0] == "rebuild" {
		return e.rebuildProgress(ctx, databaseURL, args[1:])
	}
	fs := newFlagSet("projections")
	name := fs.String("name", "", "one live projection (default: every one)")
	asJSON := fs.Bool("json", false, "one JSON object per line")
	if err := e.parse(fs, projectionsUsage, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return e.usageError(projectionsUsage, "unexpected argument %q", fs.Arg(0))
	}
	pool, err := e.openPool(ctx, databaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	status, err := pgstore.NewLiveProjectionStore(pool).Status(ctx, *name)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeProjectionsJSON(e.stdout, status)
	}
	writeProjectionsTable(e.stdout, status)
	return nil
}

// dropProjection is "pgevents projections drop NAME".
func (e *env) dropProjection(ctx context.Context, databaseURL string, args []string) error {
	fs := newFlagSet("projections drop")
	if err := e.parse(fs, projectionsUsage, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return e.usageError(projectionsUsage, "projections drop takes one projection name")
	}
	pool, err := e.openPool(ctx, databaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	n, err := pgstore.NewLiveProjectionStore(pool).Drop(ctx, fs.Arg(0))
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "dropped live projection %s: %d projections deleted\n", fs.Arg(0), n)
	return nil
}

// rebuildProgress is "pgevents projections rebuild NAME".
func (e *env) rebuildProgress(ctx context.Context, databaseURL string, args []string) error {
	fs := newFlagSet("projections rebuild")
	interval := fs.Duration("interval", time.Second, "time between the two samples of the progress")
	asJSON := fs.Bool("json", false, "one JSON object")
	if len(args) > 1 && !strings.HasPrefix(args[0], "-") {
		args = append(slices.Clone(args[1:]), args[0]) // NAME first, then flags
	}
	if err := e.parse(fs, projectionsUsage, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return e.usageError(projectionsUsage, "projections rebuild takes one projection name")
	}
	if *interval <= 0 || *interval > time.Hour {
		return e.usageError(projectionsUsage, "--interval must be above 0 and at most 1h")
	}
	name := fs.Arg(0)
	pool, err := e.openPool(ctx, databaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	store := pgstore.NewLiveProjectionStore(pool)
	sample := func() (*live.Status, error) {
		status, err := store.Status(ctx, name)
		if err != nil {
			return nil, err
		}
		if len(status) == 0 {
			return nil, fmt.Errorf("pgevents: no live projection named %q", name)
		}
		return &status[0], nil
	}
	first, err := sample()
	if err != nil {
		return err
	}
	last := first
	if first.Rebuild != nil {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(*interval):
		}
		if last, err = sample(); err != nil {
			return err
		}
	}
	rb := last.Rebuild
	if rb == nil || first.Rebuild == nil || rb.Build != first.Rebuild.Build {
		if *asJSON {
			return json.NewEncoder(e.stdout).Encode(map[string]any{"name": name, "rebuilding": false,
				"version": last.Version, "build": last.Build})
		}
		fmt.Fprintf(e.stdout, "%s: no rebuild in progress (serving version %d, build %d)\n", name, last.Version, last.Build)
		return nil
	}
	var rate, eta float64 = 0, -1
	if first.Rebuild.LagEvents >= 0 && rb.LagEvents >= 0 {
		rate = float64(first.Rebuild.LagEvents-rb.LagEvents) / interval.Seconds()
		if rate > 0 {
			eta = float64(rb.LagEvents) / rate
		}
	}
	if *asJSON {
		v := map[string]any{"name": name, "rebuilding": true, "version": last.Version, "build": last.Build,
			"rebuild_version": rb.Version, "rebuild_build": rb.Build, "rebuild_group": rb.Group,
			"projections": rb.Projections, "lag_events": nil, "rate_events_per_second": rate, "eta_seconds": nil,
			"started_at": rb.StartedAt}
		if rb.LagEvents >= 0 {
			v["lag_events"] = rb.LagEvents
		}
		if eta >= 0 {
			v["eta_seconds"] = eta
		}
		return json.NewEncoder(e.stdout).Encode(v)
	}
	left, etaText := "unknown (its runner has not started yet)", "unknown"
	if rb.LagEvents >= 0 {
		left = fmt.Sprintf("%d", rb.LagEvents)
	}
	if eta >= 0 {
		etaText = (time.Duration(eta * float64(time.Second))).Round(time.Second).String()
	}
	fmt.Fprintf(e.stdout, "%s: rebuilding version %d (build %d, group %s) beside version %d (build %d)\n"+
		"  projections built: %d\n  events left:       %s\n  net rate:          %.0f events/s\n  ETA:               %s\n"+
		"  started:           %s ago\n", name, rb.Version, rb.Build, rb.Group, last.Version, last.Build, rb.Projections,
		left, rate, etaText, time.Since(rb.StartedAt).Round(time.Second))
	return nil
}

func writeProjectionsJSON(w io.Writer, status []live.Status) error {
	enc := json.NewEncoder(w)
	for _, s := range status {
		v := map[string]any{"name": s.Name, "version": s.Version, "group": s.Group, "state": s.State,
			"cursor": s.Cursor.String(), "lag_events": s.LagEvents, "lag_seconds": s.Lag.Seconds(),
			"parked_events": s.ParkedEvents, "error": nullable(s.Error), "build": s.Build}
		if rb := s.Rebuild; rb != nil {
			v["rebuild_version"], v["rebuild_build"], v["rebuild_group"] = rb.Version, rb.Build, rb.Group
			v["rebuild_projections"], v["rebuild_started_at"] = rb.Projections, rb.StartedAt
			v["rebuild_lag_events"] = nil
			if rb.LagEvents >= 0 {
				v["rebuild_lag_events"] = rb.LagEvents
			}
		}
		if err := enc.Encode(v); err != nil {
			return err
		}
	}
	return nil
}

func writeProjectionsTable(w io.Writer, status []live.Status) {
	if len(status) == 0 {
		fmt.Fprintln(w, "no live projections")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tVERSION\tGROUP\tSTATE\tCURSOR\tLAG\tLAG TIME\tPARKED\tERROR")
	for _, s := range status {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%d\t%s\t%d\t%s\n", s.Name, s.Version, s.Group, s.State, s.Cursor,
			s.LagEvents, duration(s.Lag), s.ParkedEvents, dash(oneLine(s.Error, 80)))
	}
	_ = tw.Flush()
	for _, s := range status {
		if rb := s.Rebuild; rb != nil {
			left := "events left unknown"
			if rb.LagEvents >= 0 {
				left = fmt.Sprintf("%d events left", rb.LagEvents)
			}
			fmt.Fprintf(w, "%s  rebuilding version %d (build %d, group %s): %d projections built, %s, started %s ago\n",
				s.Name, rb.Version, rb.Build, rb.Group, rb.Projections, left, time.Since(rb.StartedAt).Round(time.Second))
		}
	}
}
