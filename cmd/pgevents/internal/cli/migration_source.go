package cli

import (
	"bufio"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/pgevents/pgevents"
)

// migrationSource is one embedded goose migration, reduced to plain SQL.
type migrationSource struct {
	name          string
	noTransaction bool
	up            string
	version       int64
}

// listMigrations reads the embedded versioned migrations in version order.
func listMigrations() ([]migrationSource, error) {
	fsys := pgevents.Migrations()
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return nil, fmt.Errorf("pgevents: list migrations: %w", err)
	}
	out := make([]migrationSource, 0, len(names))
	for _, name := range names {
		version, err := migrationVersion(name)
		if err != nil {
			return nil, err
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("pgevents: read migration %s: %w", name, err)
		}
		up, noTx, err := gooseUp(string(b))
		if err != nil {
			return nil, fmt.Errorf("pgevents: migration %s: %w", name, err)
		}
		out = append(out, migrationSource{name: path.Base(name), noTransaction: noTx, up: up, version: version})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

// migrationVersion parses goose's version prefix: the digits before the
// first underscore ("00001_init.sql" is version 1).
func migrationVersion(name string) (int64, error) {
	prefix, _, ok := strings.Cut(path.Base(name), "_")
	if !ok {
		return 0, fmt.Errorf("pgevents: migration %s: name is not VERSION_name.sql", name)
	}
	v, err := strconv.ParseInt(prefix, 10, 64)
	if err != nil || v < 1 {
		return 0, fmt.Errorf("pgevents: migration %s: bad version prefix %q", name, prefix)
	}
	return v, nil
}

// gooseUp returns the Up section of a goose SQL migration without goose's
// annotation comments ("-- +goose ..."), and whether it is marked
// NO TRANSACTION. It is an error when the file has no "-- +goose Up".
func gooseUp(src string) (up string, noTransaction bool, err error) {
	var (
		b      strings.Builder
		inUp   bool
		sawUp  bool
		reader = bufio.NewScanner(strings.NewReader(src))
	)
	reader.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	for reader.Scan() {
		line := reader.Text()
		trimmed := strings.TrimSpace(line)
		if annotation, ok := strings.CutPrefix(trimmed, "-- +goose "); ok {
			switch strings.ToUpper(strings.TrimSpace(annotation)) {
			case "UP":
				inUp, sawUp = true, true
			case "DOWN":
				inUp = false
			case "NO TRANSACTION":
				noTransaction = true
			}
			continue
		}
		if inUp {
			b.WriteString(line)
			b.WriteByte('\n')
		}
	}
	if err := reader.Err(); err != nil {
		return "", false, err
	}
	if !sawUp {
		return "", false, fmt.Errorf("no \"-- +goose Up\" annotation")
	}
	return strings.TrimRight(b.String(), "\n") + "\n", noTransaction, nil
}
