package duckdbwarehouse

import (
	"fmt"
	"os"
	"strings"

	"github.com/edqm/edqm/warehouse"
)

// lockedText is how DuckDB says, at open, that another process holds the
// database file. The driver gives no error code for it, so the text is
// what is recognised.
const lockedText = "Could not set lock on file"

// openErr wraps an error of opening the database at path, adding
// [warehouse.ErrLocked] when another process holds the file.
func openErr(path string, err error) error {
	if strings.Contains(err.Error(), lockedText) {
		return fmt.Errorf("duckdbwarehouse: open %q: %w: %w", path, warehouse.ErrLocked, err)
	}
	if fi, serr := os.Stat(path); serr == nil && fi.Mode().IsRegular() && fi.Size() == 0 {
		return fmt.Errorf("duckdbwarehouse: open %q: the file is empty, so it holds no data (a process killed while creating it leaves that); remove it to start afresh: %w", path, err)
	}
	if isCorrupt(err) {
		return fmt.Errorf("duckdbwarehouse: open %q: %w: %w (restore it from a backup, or delete it and run again: the landed files load again)", path, warehouse.ErrCorrupt, err)
	}
	return fmt.Errorf("duckdbwarehouse: open %q: %w", path, err)
}

// isCorrupt tells whether err is DuckDB's report of a damaged database
// file (a block whose checksum does not match, an unreadable header).
func isCorrupt(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "Corrupt database file") || strings.Contains(msg, "does not match stored checksum") ||
		strings.Contains(msg, "not a valid DuckDB database file")
}
