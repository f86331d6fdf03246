package duckdbwarehouse

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// beforePublish, when set by a test, runs once a new database is complete
// in its private folder and before it is linked to its path.
var beforePublish func(tmp string)

// createFile makes an empty DuckDB database at path when nothing is there.
// DuckDB creates a file and then writes its header, so a process killed
// between the two leaves an empty file that DuckDB refuses to open ever
// after ("not a valid DuckDB database file"). Here DuckDB writes the new
// database in a private folder beside path; once it is closed and synced,
// it is hard-linked to path, which fails harmlessly when another process
// created path first, and the folder is removed.
func createFile(ctx context.Context, path string) error {
	if _, err := os.Lstat(path); err == nil || !errors.Is(err, fs.ErrNotExist) {
		// There is something at path (or it cannot be checked): DuckDB
		// opens it, or says why it cannot.
		return nil
	}
	dir, base := filepath.Dir(path), filepath.Base(path)
	tmpDir, err := os.MkdirTemp(dir, "."+base+".new-")
	if err != nil {
		return fmt.Errorf("duckdbwarehouse: open %q: creating the database: %w", path, err)
	}
	defer os.RemoveAll(tmpDir)
	tmp := filepath.Join(tmpDir, base)
	db, err := sql.Open("duckdb", tmp)
	if err != nil {
		return openErr(path, err)
	}
	err = db.PingContext(ctx)
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return openErr(path, err)
	}
	if err := syncPath(tmp); err != nil {
		return fmt.Errorf("duckdbwarehouse: open %q: creating the database: %w", path, err)
	}
	if beforePublish != nil {
		beforePublish(tmp)
	}
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil // another process created it first
		}
		// A file system without hard links: rename, which would replace a
		// file another process created in the meantime, so only when there
		// is still nothing at path.
		if _, serr := os.Lstat(path); serr == nil {
			return nil
		}
		if rerr := os.Rename(tmp, path); rerr != nil {
			return fmt.Errorf("duckdbwarehouse: open %q: creating the database: %w", path, errors.Join(err, rerr))
		}
	}
	if err := syncPath(dir); err != nil {
		return fmt.Errorf("duckdbwarehouse: open %q: creating the database: %w", path, err)
	}
	return nil
}

// syncPath flushes a file or a folder to disk.
func syncPath(name string) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
