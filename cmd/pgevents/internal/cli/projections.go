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

	"github.com/pgevents/pgevents"
	"github.com/pgevents/pgevents/pgstore"
	"github.com/pgevents/pgevents/projection/live"
)

const projectionsUsage = `Usage:
  pgevents [--database-url URL] projections [--name N] [--json]
  pgevents [--database-url URL] projections rebuild NAME [--status] [--wait] [--interval D] [--json]
  pgevents [--database-url URL] projections drop NAME

Lists the live projections (package projection/live, registered by their
runners in pgevents.live_projections): projector version, consumer group,
state (live, catching-up, parked, stopped, failed), cursor, lag in events
and time, parked events, progress (events projected of those committed,
with the ETA at the average rate since the build started) and the error
that stopped a failed one; then the blue/green rebuilds in progress:
version, build, projections built, events done of the total, rate, ETA.
--json prints one JSON object per line.

rebuild requests a blue/green rebuild of NAME's serving version
(pgevents.request_live_projection_rebuild): the projection's running
runners pick it up within their switch interval (1s by default), fold it
from the first event into rows of its own while the serving build keeps
serving reads, and switch it in atomically once it has caught up. With a
rebuild already in progress (requested, or a runner with a newer projector
version) it requests nothing. Then it prints the rebuild's progress:
projections built, events done of the total, rate (events/s, average since
the rebuild started) and ETA. --status only prints the progress
(requesting nothing; without a rebuild in progress it says so, exit 0).
--wait prints the progress every --interval (default 1s) until the
rebuild is switched in (or gone: a newer version replaced it, or the
projection was dropped). It exits 1 when no live projection has the name.

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
	statusOnly := fs.Bool("status", false, "only print the progress of a rebuild in progress (request nothing)")
	wait := fs.Bool("wait", false, "print the progress every --interval until the rebuild is switched in")
	interval := fs.Duration("interval", time.Second, "time between two progress lines with --wait")
	asJSON := fs.Bool("json", false, "one JSON object per progress line")
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
	requested := false
	if !*statusOnly {
		before, err := store.FindLiveProjection(ctx, name)
		if err != nil {
			return err
		}
		after, err := store.RequestRebuild(ctx, name)
		if err != nil {
			return err
		}
		requested = before.Rebuild == nil && after.Rebuild != nil
	}
	var build int // the rebuild followed
	for {
		status, err := store.Status(ctx, name)
		if err != nil {
			return err
		}
		if len(status) == 0 {
			if build != 0 {
				return fmt.Errorf("pgevents: live projection %q was dropped during its rebuild", name)
			}
			return fmt.Errorf("pgevents: no live projection named %q: %w", name, pgevents.ErrNotFound)
		}
		s := status[0]
		rb := s.Rebuild
		if rb == nil || (build != 0 && rb.Build != build) {
			if err := e.printRebuildEnd(s, build, *asJSON); err != nil {
				return err
			}
			return nil
		}
		build = rb.Build
		if err := e.printRebuild(s, requested, *asJSON); err != nil {
			return err
		}
		requested = false
		if !*wait {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(*interval):
		}
	}
}

// printRebuildEnd prints that there is no rebuild (build 0), or that the
// rebuild build followed ended: switched in or replaced.
func (e *env) printRebuildEnd(s live.Status, build int, asJSON bool) error {
	switched := build != 0 && s.Build == build
	if asJSON {
		v := map[string]any{"name": s.Name, "rebuilding": false, "version": s.Version, "build": s.Build}
		if build != 0 {
			v["switched"] = switched
		}
		return json.NewEncoder(e.stdout).Encode(v)
	}
	switch {
	case build == 0:
		fmt.Fprintf(e.stdout, "%s: no rebuild in progress (serving version %d, build %d)\n", s.Name, s.Version, s.Build)
	case switched:
		fmt.Fprintf(e.stdout, "%s: build %d switched in (serving version %d)\n", s.Name, build, s.Version)
	default:
		fmt.Fprintf(e.stdout, "%s: build %d is no longer being rebuilt (serving version %d, build %d)\n", s.Name, build, s.Version, s.Build)
	}
	return nil
}

// printRebuild prints the progress of s's rebuild.
func (e *env) printRebuild(s live.Status, requested, asJSON bool) error {
	rb := s.Rebuild
	if asJSON {
		v := map[string]any{"name": s.Name, "rebuilding": true, "requested_now": requested, "version": s.Version, "build": s.Build,
			"rebuild_version": rb.Version, "rebuild_build": rb.Build, "rebuild_group": rb.Group, "rebuild_requested": rb.Requested,
			"projections": rb.Projections, "started_at": rb.StartedAt}
		addProgressJSON(v, "", rb.LagEvents >= 0, rb.Progress)
		return json.NewEncoder(e.stdout).Encode(v)
	}
	how := "started by a runner of version " + fmt.Sprint(rb.Version)
	if rb.Requested {
		how = "requested"
	}
	if requested {
		how = "requested now"
	}
	fmt.Fprintf(e.stdout, "%s: rebuilding version %d (build %d, group %s; %s) beside version %d (build %d)\n"+
		"  projections built: %d\n  events:            %s\n  rate:              %s\n  ETA:               %s\n"+
		"  started:           %s ago\n", s.Name, rb.Version, rb.Build, rb.Group, how, s.Version, s.Build, rb.Projections,
		progressText(rb.LagEvents >= 0, rb.Progress), rateText(rb.LagEvents >= 0, rb.Progress),
		etaText(rb.LagEvents >= 0, rb.Progress), time.Since(rb.StartedAt).Round(time.Second))
	return nil
}

// addProgressJSON adds a build's progress to v under prefix, as nulls when
// it is unknown (known false).
func addProgressJSON(v map[string]any, prefix string, known bool, p live.Progress) {
	v[prefix+"events_done"], v[prefix+"events_total"], v[prefix+"rate_events_per_second"], v[prefix+"eta_seconds"] = nil, nil, nil, nil
	if !known {
		return
	}
	v[prefix+"events_done"], v[prefix+"events_total"] = p.EventsDone, p.EventsTotal
	if p.Rate > 0 {
		v[prefix+"rate_events_per_second"] = p.Rate
	}
	if p.ETA >= 0 {
		v[prefix+"eta_seconds"] = p.ETA.Seconds()
	}
}

// progressText is "done/total events (percent)", or "unknown".
func progressText(known bool, p live.Progress) string {
	if !known {
		return "unknown (its runner has not started it yet)"
	}
	pct := 100.0
	if p.EventsTotal > 0 {
		pct = float64(p.EventsDone) * 100 / float64(p.EventsTotal)
	}
	return fmt.Sprintf("%d/%d (%.1f%%)", p.EventsDone, p.EventsTotal, pct)
}

func rateText(known bool, p live.Progress) string {
	if !known || p.Rate <= 0 {
		return "unknown"
	}
	return fmt.Sprintf("%.0f events/s", p.Rate)
}

func etaText(known bool, p live.Progress) string {
	switch {
	case !known || p.ETA < 0:
		return "unknown"
	case p.ETA == 0:
		return "caught up"
	}
	return p.ETA.Round(time.Second).String()
}

func writeProjectionsJSON(w io.Writer, status []live.Status) error {
	enc := json.NewEncoder(w)
	for _, s := range status {
		v := map[string]any{"name": s.Name, "version": s.Version, "group": s.Group, "state": s.State,
			"cursor": s.Cursor.String(), "lag_events": s.LagEvents, "lag_seconds": s.Lag.Seconds(),
			"parked_events": s.ParkedEvents, "error": nullable(s.Error), "build": s.Build}
		addProgressJSON(v, "", true, s.Progress)
		if rb := s.Rebuild; rb != nil {
			v["rebuild_version"], v["rebuild_build"], v["rebuild_group"] = rb.Version, rb.Build, rb.Group
			v["rebuild_projections"], v["rebuild_started_at"] = rb.Projections, rb.StartedAt
			v["rebuild_requested"] = rb.Requested
			v["rebuild_lag_events"] = nil
			if rb.LagEvents >= 0 {
				v["rebuild_lag_events"] = rb.LagEvents
			}
			addProgressJSON(v, "rebuild_", rb.LagEvents >= 0, rb.Progress)
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
	fmt.Fprintln(tw, "NAME\tVERSION\tGROUP\tSTATE\tCURSOR\tLAG\tLAG TIME\tPARKED\tPROGRESS\tETA\tERROR")
	for _, s := range status {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%d\t%s\t%d\t%s\t%s\t%s\n", s.Name, s.Version, s.Group, s.State, s.Cursor,
			s.LagEvents, duration(s.Lag), s.ParkedEvents, progressText(true, s.Progress), etaText(true, s.Progress),
			dash(oneLine(s.Error, 80)))
	}
	_ = tw.Flush()
	for _, s := range status {
		if rb := s.Rebuild; rb != nil {
			left := "events left unknown"
			if rb.LagEvents >= 0 {
				left = fmt.Sprintf("%d events left, events %s, %s, ETA %s", rb.LagEvents, progressText(true, rb.Progress),
					rateText(true, rb.Progress), etaText(true, rb.Progress))
			}
			fmt.Fprintf(w, "%s  rebuilding version %d (build %d, group %s): %d projections built, %s, started %s ago\n",
				s.Name, rb.Version, rb.Build, rb.Group, rb.Projections, left, time.Since(rb.StartedAt).Round(time.Second))
		}
	}
}
