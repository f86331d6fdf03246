// Package filelanding is a [landing.Lander] over a local folder: the object
// at key "a/b/c.csv" is the file a/b/c.csv under the folder.
//
// Every access goes through an [os.Root] opened on the folder, so no key can
// reach a file outside it, not even through a symbolic link placed inside
// the folder: such an access fails. Keys are checked with
// [landing.ValidateKey] before any I/O.
//
// Put writes a temporary file next to the target (named
// ".<name>.tmp-<16 hex digits>"), syncs it and renames it over the target,
// so a reader sees the old file or the whole new one, and a failed or
// cancelled Put leaves the old file in place and no temporary file behind.
// A process killed mid-Put does leave its temporary file: the writer holds
// a flock(2) lock on it while writing, so [Lander.RemoveTemp] can tell a
// dead writer's file from a live one's and remove it.
// Once Put returns, the file survives a power failure: its folder is
// synced after the rename, and every folder Put makes is synced into its
// parent, on any file system. The Lander remembers the folders it made or
// found, so a Put into a known folder makes no mkdir call.
//
// WriteIfVersion is a compare-and-swap that holds between processes: it
// takes an exclusive flock(2) lock on a sidecar file "<key>.lock", re-reads
// the object under the lock, compares versions and writes as Put does. The
// kernel drops the lock when the process dies, so a crash never leaves a
// stale lock. The lock only orders WriteIfVersion calls: Put and Delete do
// not take it, so mixing them with WriteIfVersion on one key is
// last-writer-wins. A version is the hex SHA-256 of the content. Lock files
// stay in place (removing one while it is held would break the exclusion);
// List never reports them. WriteIfVersion needs flock and fails on systems
// without it (Windows, AIX, Solaris).
//
// Because of these files, a key whose last segment ends in ".lock" or has
// the form of a temporary name is refused with [landing.ErrInvalidKey].
//
// List reports regular files only; it does not follow symbolic links, and it
// skips files whose names are not valid keys.
//
// # URLs
//
// Importing this package registers the scheme "file" with [landing.Register]:
//
//	file:///var/edqm/landing
//	file://localhost/var/edqm/landing?sync=false&mode=0640
//
// The path must be absolute, and the host empty or "localhost". The query
// parameters set [Options]: sync (a boolean, default true; false sets
// NoSync) and mode (octal permission bits of new files, default 0644). Any
// other parameter is an error that names it.
//
// # Errors
//
// Errors name the operation and the key. A missing object is an error
// wrapping [landing.ErrNotFound] and, from Get and ReadVersioned,
// [fs.ErrNotExist] with the underlying [*fs.PathError]; a folder is not an
// object, so it is not found either. A lost compare-and-swap wraps
// [landing.ErrConflict] and tells the expected and found versions; a bad or
// reserved key wraps [landing.ErrInvalidKey]. When ctx is done, methods
// return ctx.Err() itself, unwrapped. [Open] names the folder when it cannot
// be created, opened or written.
package filelanding

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"unicode/utf8"

	"github.com/edqm/edqm/landing"
	"github.com/edqm/edqm/landing/internal/ctxio"
)

// Scheme is the URL scheme this package registers with [landing.Register].
const Scheme = "file"

func init() { landing.Register(Scheme, openURL) }

// Options tunes a [Lander]. The zero value (or a nil *Options) gives the
// defaults.
type Options struct {
	// FileMode holds the permission bits of new files, before the umask;
	// 0 means 0o644. Folders are created with 0o755.
	FileMode fs.FileMode
	// NoSync skips fsync of files and folders. Writes stay atomic for
	// readers and other writers, but a power failure may lose the latest
	// ones. Meant for tests and scratch data.
	NoSync bool
}

// Lander stores objects as files under one folder. Its methods are safe for
// concurrent use, also by several Landers and processes on one folder.
type Lander struct {
	dir  string
	root *os.Root
	mode fs.FileMode
	sync bool

	// dirs holds the folders known to exist (made or seen by this
	// Lander), so that a Put into a known folder makes no mkdir calls.
	dirs sync.Map

	closeOnce sync.Once
	closeErr  error
}

var (
	_ landing.Lander      = (*Lander)(nil)
	_ landing.LocalPather = (*Lander)(nil)
	_ landing.TempRemover = (*Lander)(nil)
)

const (
	dirMode    = 0o755
	lockSuffix = ".lock"
	tmpMarker  = ".tmp-"
	tmpRandLen = 16 // hex digits of randomness in a temporary name
	maxTmpBase = 100
)

// Open returns a Lander over dir, which it creates (with parents, mode
// 0o755) when missing. It checks that dir can be written by creating and
// removing a temporary file; the error names the folder when dir cannot be
// created, opened or written. A nil opts means the defaults.
func Open(ctx context.Context, dir string, opts *Options) (*Lander, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.FileMode == 0 {
		o.FileMode = 0o644
	}
	if o.FileMode&^fs.ModePerm != 0 {
		return nil, fmt.Errorf("filelanding: FileMode %v has bits other than permissions", o.FileMode)
	}
	if dir == "" {
		return nil, errors.New("filelanding: the folder path is empty")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("filelanding: folder %q: %w", dir, err)
	}
	if err := os.MkdirAll(abs, dirMode); err != nil {
		return nil, fmt.Errorf("filelanding: cannot create folder %q: %w", abs, err)
	}
	root, err := os.OpenRoot(abs)
	if err != nil {
		return nil, fmt.Errorf("filelanding: cannot open folder %q: %w", abs, err)
	}
	l := &Lander{dir: abs, root: root, mode: o.FileMode, sync: !o.NoSync}
	if err := l.probe(); err != nil {
		_ = root.Close()
		return nil, fmt.Errorf("filelanding: cannot write in folder %q: %w", abs, err)
	}
	return l, nil
}

// probe creates and removes a temporary file at the top of the folder.
func (l *Lander) probe() error {
	name := tempName("probe")
	f, err := l.root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	cerr := f.Close()
	rerr := l.root.Remove(name)
	if rerr != nil && isNotExist(rerr) {
		rerr = nil // removed by a RemoveTemp meanwhile
	}
	return errors.Join(cerr, rerr)
}

// Dir returns the absolute path of the folder.
func (l *Lander) Dir() string { return l.dir }

// Close releases the folder. Calling it again does nothing; other methods
// fail after it.
func (l *Lander) Close() error {
	l.closeOnce.Do(func() { l.closeErr = l.root.Close() })
	return l.closeErr
}

// LocalPath returns the absolute path of the file that holds key, whether
// or not it exists. The path is for reading by a trusted local process: the
// folder's protection against symbolic links does not extend to whoever
// opens the path.
func (l *Lander) LocalPath(key string) (string, error) {
	if err := checkKey(key); err != nil {
		return "", err
	}
	return filepath.Join(l.dir, filepath.FromSlash(key)), nil
}

// Put stores the content of r at key atomically, creating the folders it
// needs. It checks ctx between chunks of r; when ctx is done, or r fails,
// the previous content stays.
func (l *Lander) Put(ctx context.Context, key string, r io.Reader) error {
	if err := checkKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return l.writeAtomic(ctx, "put", key, ctxio.NewReader(ctx, r))
}

// Get opens the file at key; the result is an *os.File.
func (l *Lander) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return l.open("get", key)
}

// open opens key for reading; a folder is not found.
func (l *Lander) open(op, key string) (*os.File, error) {
	f, err := l.root.Open(key)
	if err != nil {
		return nil, readErr(op, key, err)
	}
	st, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, opErr(op, key, err)
	}
	if st.IsDir() {
		_ = f.Close()
		return nil, fmt.Errorf("filelanding: %s %q: %w (%w: it is a folder)", op, key, landing.ErrNotFound, fs.ErrNotExist)
	}
	return f, nil
}

// List returns the objects whose keys start with prefix, sorted by key. It
// walks only the folder that the prefix's complete segments name.
func (l *Lander) List(ctx context.Context, prefix string) ([]landing.Object, error) {
	if err := landing.ValidatePrefix(prefix); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	start := "."
	if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
		start = prefix[:i]
	}
	out := []landing.Object{}
	n := 0
	err := fs.WalkDir(l.root.FS(), start, func(p string, d fs.DirEntry, err error) error {
		if n++; n%128 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if err != nil {
			if isNotExist(err) {
				// The start folder is missing, or an entry vanished
				// while we walked.
				return nil
			}
			return err
		}
		if p == start {
			if d.IsDir() {
				return nil
			}
			return fs.SkipAll // the start is a file: nothing under it
		}
		if d.IsDir() {
			if !strings.HasPrefix(p+"/", prefix) && !strings.HasPrefix(prefix, p+"/") {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || !strings.HasPrefix(p, prefix) || checkKey(p) != nil {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			if isNotExist(err) {
				return nil
			}
			return err
		}
		out = append(out, landing.Object{Key: p, Size: info.Size()})
		return nil
	})
	if err != nil {
		if cerr := ctx.Err(); cerr != nil && errors.Is(err, cerr) {
			return nil, cerr
		}
		return nil, fmt.Errorf("filelanding: list %q: %w", prefix, err)
	}
	slices.SortFunc(out, func(a, b landing.Object) int { return strings.Compare(a.Key, b.Key) })
	return out, nil
}

// Delete removes the file at key. A missing key, or a folder, is not an
// error and is left alone.
func (l *Lander) Delete(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	st, err := l.root.Lstat(key)
	if err != nil {
		if isNotExist(err) {
			return nil
		}
		return opErr("delete", key, err)
	}
	if st.IsDir() {
		return nil
	}
	if err := l.root.Remove(key); err != nil && !isNotExist(err) {
		return opErr("delete", key, err)
	}
	if err := l.syncDir(path.Dir(key)); err != nil {
		return opErr("delete", key, err)
	}
	return nil
}

// ReadVersioned reads the whole file at key and returns it with its
// version, the hex SHA-256 of the content.
func (l *Lander) ReadVersioned(ctx context.Context, key string) ([]byte, string, error) {
	if err := checkKey(key); err != nil {
		return nil, "", err
	}
	if err := ctx.Err(); err != nil {
		return nil, "", err
	}
	data, err := l.readAll("read", key)
	if err != nil {
		return nil, "", err
	}
	return data, Version(data), nil
}

func (l *Lander) readAll(op, key string) ([]byte, error) {
	f, err := l.open(op, key)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, opErr(op, key, err)
	}
	return data, nil
}

// WriteIfVersion writes data at key if the current version is version (""
// meaning that key must not exist), under an exclusive lock on "<key>.lock"
// that also excludes other processes; see the package documentation. It
// waits for the lock as long as ctx allows. It returns the new version.
func (l *Lander) WriteIfVersion(ctx context.Context, key string, data []byte, version string) (string, error) {
	if err := checkKey(key); err != nil {
		return "", err
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if !casSupported {
		return "", fmt.Errorf("filelanding: write-if-version %q: %w", key, errCASUnsupported)
	}
	if err := l.makeDir(path.Dir(key)); err != nil {
		return "", opErr("write-if-version", key, err)
	}
	lf, err := l.root.OpenFile(key+lockSuffix, os.O_RDWR|os.O_CREATE, l.mode)
	if err != nil {
		return "", opErr("write-if-version", key, err)
	}
	defer lf.Close()
	unlock, err := lockFile(ctx, lf)
	if err != nil {
		if cerr := ctx.Err(); cerr != nil && errors.Is(err, cerr) {
			return "", cerr
		}
		return "", opErr("write-if-version", key, fmt.Errorf("lock %s: %w", key+lockSuffix, err))
	}
	defer unlock()

	found := ""
	cur, err := l.readAll("write-if-version", key)
	switch {
	case err == nil:
		found = Version(cur)
	case !errors.Is(err, landing.ErrNotFound):
		return "", err
	}
	if found != version {
		return "", fmt.Errorf("filelanding: write-if-version %q: %w: expected %s, found %s",
			key, landing.ErrConflict, describeVersion(version), describeVersion(found))
	}
	if err := l.writeAtomic(ctx, "write-if-version", key, bytes.NewReader(data)); err != nil {
		return "", err
	}
	return Version(data), nil
}

// Version returns the version token this package gives to content: its
// SHA-256 in lower-case hex.
func Version(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// describeVersion shortens a version for an error message.
func describeVersion(v string) string {
	switch {
	case v == "":
		return "no object"
	case len(v) > 12:
		return "version " + v[:12] + "…"
	default:
		return "version " + v
	}
}

// writeAtomic copies src to a temporary file beside key, syncs it and
// renames it over key. On any failure it removes the temporary file.
func (l *Lander) writeAtomic(ctx context.Context, op, key string, src io.Reader) (err error) {
	dir := path.Dir(key)
	if err := l.makeDir(dir); err != nil {
		return opErr(op, key, err)
	}
	f, tmp, err := l.createTemp(dir, path.Base(key))
	if err != nil {
		return opErr(op, key, err)
	}
	committed := false
	defer func() {
		if !committed {
			_ = f.Close()
			_ = l.root.Remove(tmp)
		}
	}()
	fail := func(err error) error {
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		return opErr(op, key, err)
	}
	// writerOnly hides (*os.File).ReadFrom so that every chunk goes
	// through src's Read, which checks ctx; the chunks are large, so a
	// file of a few hundred KB takes one or two writes.
	buf := copyBuffers.Get().(*[]byte)
	_, err = io.CopyBuffer(writerOnly{f}, src, *buf)
	copyBuffers.Put(buf)
	if err != nil {
		return fail(err)
	}
	if l.sync {
		if err := f.Sync(); err != nil {
			return fail(err)
		}
	}
	if err := f.Close(); err != nil {
		return fail(err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := l.root.Rename(tmp, key); err != nil {
		return fail(err)
	}
	committed = true
	if err := l.syncDir(dir); err != nil {
		return opErr(op, key, fmt.Errorf("written, but syncing its folder failed: %w", err))
	}
	return nil
}

// createTemp creates a temporary file for base in dir and locks it, so
// that RemoveTemp knows it for a live writer's. A file RemoveTemp took
// between its creation and its lock is given up for a new one.
func (l *Lander) createTemp(dir, base string) (*os.File, string, error) {
	for attempt := 0; ; attempt++ {
		tmp := path.Join(dir, tempName(base))
		f, err := l.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, l.mode)
		if err != nil && isNotExist(err) && dir != "." {
			// The folder was removed behind our back: forget it and its
			// parents, and make them again.
			for d := dir; d != "."; d = path.Dir(d) {
				l.dirs.Delete(d)
			}
			if err := l.makeDir(dir); err != nil {
				return nil, "", err
			}
			f, err = l.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, l.mode)
		}
		if err != nil {
			return nil, "", err
		}
		ok, err := tryLock(f)
		if err != nil || !casSupported || (ok && !unlinked(f)) || attempt == 3 {
			// Without flock, or after three tries, write unlocked:
			// RemoveTemp then leaves the file alone at worst.
			return f, tmp, nil
		}
		_ = f.Close() // taken by RemoveTemp, which removes it
	}
}

// RemoveTemp removes the temporary files that writers killed mid-Put left
// behind (".<name>.tmp-<16 hex digits>", anywhere under the folder) and
// returns how many it removed. A live writer holds a lock on its temporary
// file, so its file is left alone; where flock is missing, RemoveTemp
// removes nothing. It implements [landing.TempRemover].
func (l *Lander) RemoveTemp(ctx context.Context) (int, error) {
	if !casSupported {
		return 0, ctx.Err()
	}
	n := 0
	err := fs.WalkDir(l.root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() || !d.Type().IsRegular() || !isTempName(d.Name()) {
			return nil
		}
		removed, err := l.removeIfDead(p)
		if removed {
			n++
		}
		return err
	})
	if err != nil {
		if cerr := ctx.Err(); cerr != nil {
			return n, cerr
		}
		return n, fmt.Errorf("filelanding: remove temporary files in %q: %w", l.dir, err)
	}
	return n, nil
}

// removeIfDead removes the temporary file p unless a live writer holds
// its lock.
func (l *Lander) removeIfDead(p string) (bool, error) {
	f, err := l.root.OpenFile(p, os.O_RDONLY, 0)
	if err != nil {
		if isNotExist(err) {
			return false, nil // renamed into place meanwhile
		}
		return false, err
	}
	defer f.Close()
	ok, err := tryLock(f)
	if err != nil || !ok {
		return false, err
	}
	if err := l.root.Remove(p); err != nil && !isNotExist(err) {
		return false, err
	}
	return true, nil
}

// copyBuffers holds the buffers Put copies through.
var copyBuffers = sync.Pool{New: func() any {
	b := make([]byte, 256<<10)
	return &b
}}

// makeDir makes the folder dir (slash-separated, relative to the root) and
// its missing parents. Each folder it makes is made durable, with a sync of
// its parent, so that a file synced into it cannot be lost with it. Folders
// already known are skipped without a system call.
func (l *Lander) makeDir(dir string) error {
	if dir == "." {
		return nil
	}
	if _, ok := l.dirs.Load(dir); ok {
		return nil
	}
	parent := "."
	for _, seg := range strings.Split(dir, "/") {
		d := path.Join(parent, seg)
		if _, ok := l.dirs.Load(d); !ok {
			err := l.root.Mkdir(d, dirMode)
			switch {
			case err == nil:
				if err := l.syncDir(parent); err != nil {
					return err
				}
			case errors.Is(err, fs.ErrExist):
				st, serr := l.root.Stat(d)
				if serr != nil {
					return serr
				}
				if !st.IsDir() {
					return fmt.Errorf("%s: %w", d, syscall.ENOTDIR)
				}
			default:
				return err
			}
			l.dirs.Store(d, struct{}{})
		}
		parent = d
	}
	return nil
}

// syncDir fsyncs a folder so that a rename or removal in it is durable.
func (l *Lander) syncDir(dir string) error {
	if !l.sync {
		return nil
	}
	d, err := l.root.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

type writerOnly struct{ w io.Writer }

func (w writerOnly) Write(p []byte) (int, error) { return w.w.Write(p) }

// checkKey is landing.ValidateKey plus the names this package reserves.
func checkKey(key string) error {
	if err := landing.ValidateKey(key); err != nil {
		return err
	}
	base := path.Base(key)
	if strings.HasSuffix(base, lockSuffix) || isTempName(base) {
		return fmt.Errorf("%w %q: filelanding reserves names ending in %q and of the form .<name>%s<hex> for its own files",
			landing.ErrInvalidKey, key, lockSuffix, tmpMarker)
	}
	return nil
}

// tempName returns a fresh temporary file name for base:
// ".<base>.tmp-<16 hex digits>", with base cut short if long.
func tempName(base string) string {
	if len(base) > maxTmpBase {
		n := maxTmpBase
		for n > 0 && !utf8.RuneStart(base[n]) {
			n--
		}
		base = base[:n]
	}
	var b [tmpRandLen / 2]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand.Read crashes the program instead)
	return "." + base + tmpMarker + hex.EncodeToString(b[:])
}

// isTempName tells whether name has the form tempName gives.
func isTempName(name string) bool {
	i := strings.LastIndex(name, tmpMarker)
	if !strings.HasPrefix(name, ".") || i < 1 {
		return false
	}
	r := name[i+len(tmpMarker):]
	if len(r) != tmpRandLen {
		return false
	}
	for j := 0; j < len(r); j++ {
		if c := r[j]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func isNotExist(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)
}

// readErr wraps an error from opening key for reading.
func readErr(op, key string, err error) error {
	if isNotExist(err) {
		if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("filelanding: %s %q: %w (%w: %w)", op, key, landing.ErrNotFound, fs.ErrNotExist, err)
		}
		return fmt.Errorf("filelanding: %s %q: %w (%w)", op, key, landing.ErrNotFound, err)
	}
	return opErr(op, key, err)
}

func opErr(op, key string, err error) error {
	return fmt.Errorf("filelanding: %s %q: %w", op, key, err)
}

// openURL is the landing.Opener for file:// URLs.
func openURL(ctx context.Context, u *url.URL, _ *landing.OpenOptions) (landing.Lander, error) {
	dir, opts, err := parseURL(u)
	if err != nil {
		return nil, err
	}
	return Open(ctx, dir, opts)
}

// parseURL checks a file:// URL and returns its folder and options.
func parseURL(u *url.URL) (string, *Options, error) {
	bad := func(format string, args ...any) (string, *Options, error) {
		return "", nil, fmt.Errorf("filelanding: URL %q: %s", landing.RedactURL(u), fmt.Sprintf(format, args...))
	}
	switch {
	case u.Scheme != Scheme:
		return bad("scheme is not %q", Scheme)
	case u.Opaque != "" || !strings.HasPrefix(u.Path, "/"):
		return bad("want file:///absolute/path")
	case u.User != nil:
		return bad("user information is not supported")
	case u.Host != "" && u.Host != "localhost":
		return bad("host %q is not supported: only local folders (an empty host or localhost)", u.Host)
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		// ParseQuery's error quotes a piece of the query: say less.
		return bad("malformed query")
	}
	opts := &Options{}
	var unknown []string
	for name, vals := range q {
		v := vals[len(vals)-1]
		switch name {
		case "sync":
			b, err := strconv.ParseBool(v)
			if err != nil {
				return bad("sync=%q: want true or false", v)
			}
			opts.NoSync = !b
		case "mode":
			m, err := strconv.ParseUint(v, 8, 32)
			if err != nil || m == 0 || m&^uint64(fs.ModePerm) != 0 {
				return bad("mode=%q: want octal permission bits such as 0644", v)
			}
			opts.FileMode = fs.FileMode(m)
		default:
			unknown = append(unknown, strconv.Quote(name))
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return bad("unknown query parameter(s) %s (known: mode, sync)", strings.Join(unknown, ", "))
	}
	return filepath.FromSlash(u.Path), opts, nil
}
