package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

const versionUsage = `Usage:
  pgevents version

Prints the pgevents build version, the schema version this binary migrates
to (its newest embedded migration) and the Go version it was built with.
`

func (e *env) version(args []string) error {
	fs := newFlagSet("pgevents version")
	if err := e.parse(fs, versionUsage, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return e.usageError(versionUsage, "version: unexpected argument %q", fs.Arg(0))
	}
	migrations, err := listMigrations()
	if err != nil {
		return err
	}
	var schema int64
	if len(migrations) > 0 {
		schema = migrations[len(migrations)-1].version
	}
	fmt.Fprintf(e.stdout, "pgevents %s\nschema version: %d (%d migrations)\ngo: %s\n",
		buildVersion(), schema, len(migrations), runtime.Version())
	return nil
}

// buildVersion is the module version the binary was built from ("devel" for
// a build from a work tree), with the VCS revision when the build recorded it.
func buildVersion() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	v := info.Main.Version
	if v == "" || v == "(devel)" {
		v = "devel"
	}
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			v += " " + s.Value[:12]
		}
	}
	return v
}
