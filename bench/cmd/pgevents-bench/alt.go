package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5"
)

// altSchema receives a second copy of the pgevents functions (-alt DIR), so
// a proposed change to the SQL layer is measured side by side with the
// current one, in the same run, against the same tables and baselines.
const altSchema = "pgevents_alt"

var createFunction = regexp.MustCompile(`(?i)CREATE\s+(?:OR\s+REPLACE\s+)?FUNCTION\s+pgevents\.(\w+)\s*\(`)

// installAlt installs every function file of dir (sorted, as Migrate does)
// into altSchema: references to the functions the files define are renamed
// pgevents_alt.<name>; tables and types (pgevents.events, ...) stay shared.
// Lock keys are computed from the same strings, so both copies exclude each
// other exactly as one would. Privilege statements are skipped. It returns
// the names of the functions dir defines.
func installAlt(ctx context.Context, conn *pgx.Conn, dir string) (map[string]bool, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.sql"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("-alt %s: no .sql files", dir)
	}
	sort.Strings(files)
	texts := make([]string, len(files))
	names := map[string]bool{}
	for i, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		texts[i] = string(b)
		for _, m := range createFunction.FindAllStringSubmatch(texts[i], -1) {
			names[m[1]] = true
		}
	}
	var alts []string
	for n := range names {
		alts = append(alts, regexp.QuoteMeta(n))
	}
	sort.Strings(alts)
	ref := regexp.MustCompile(`\bpgevents\.(` + strings.Join(alts, "|") + `)\b`)
	if _, err := conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+altSchema+" CASCADE; CREATE SCHEMA "+altSchema); err != nil {
		return nil, err
	}
	for i, t := range texts {
		if strings.HasPrefix(filepath.Base(files[i]), "zz_") {
			continue // privileges
		}
		if _, err := conn.Exec(ctx, ref.ReplaceAllString(t, altSchema+".$1")); err != nil {
			return nil, fmt.Errorf("-alt %s: %w", filepath.Base(files[i]), err)
		}
	}
	return names, nil
}

// altVariants are the SQL-level variants again, calling the alternative
// functions: the append rows when the alternative defines append, the read
// row when it defines read_category.
func altVariants(defined map[string]bool) []variant {
	sql := strings.Replace(appendSQL, "pgevents.append", altSchema+".append", 1)
	all := []variant{
		{key: "alt-append-1-stream", group: "append-1", name: "ALT pgevents.append, 1 event, scope stream", ops: fnAppendSQL(sql, 1, "stream", false)},
		{key: "alt-append-1-ids", group: "append-1", name: "ALT pgevents.append, 1 event with client UUIDv7 id", ops: fnAppendSQL(sql, 1, "stream", true)},
		{key: "alt-append-10-stream", group: "append-10", name: "ALT pgevents.append, 10 events, scope stream", ops: fnAppendSQL(sql, 10, "stream", false)},
		{key: "alt-append-10-ids", group: "append-10", name: "ALT pgevents.append, 10 events with client UUIDv7 ids", ops: fnAppendSQL(sql, 10, "stream", true)},
		{key: "alt-read-category", group: "read", name: "ALT pgevents.read_category, page of 1000", ops: readPage(strings.Replace(readCategorySQL, "pgevents.read_category", altSchema+".read_category", 1), true)},
	}
	var out []variant
	for _, v := range all {
		if (v.group == "read" && defined["read_category"]) || (v.group != "read" && defined["append"]) {
			out = append(out, v)
		}
	}
	return out
}
