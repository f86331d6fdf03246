package filelanding_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/edqm/edqm/landing"
	"github.com/edqm/edqm/landing/filelanding"
	"github.com/edqm/edqm/landing/landingtest"
)

// The Example functions have no *testing.T: they use the background context,
// as a program would.

func open(t *testing.T, dir string, opts *filelanding.Options) *filelanding.Lander {
	t.Helper()
	l, err := filelanding.Open(t.Context(), dir, opts)
	if err != nil {
		t.Fatalf("Open(%q): %v", dir, err)
	}
	t.Cleanup(func() { _ = l.Close() })
	return l
}

func TestConformance(t *testing.T) {
	landingtest.RunConformanceTests(t, func(t *testing.T) landing.Lander {
		return open(t, t.TempDir(), nil)
	}, landingtest.WithReopen(func(t *testing.T, l landing.Lander) landing.Lander {
		return open(t, l.(*filelanding.Lander).Dir(), nil)
	}))
}

// files returns every file and link under dir, slash-separated, sorted.
func files(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

func keys(objs []landing.Object) []string {
	out := make([]string, len(objs))
	for i, o := range objs {
		out[i] = o.Key
	}
	return out
}

func TestOpenCreatesFolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b", "landing")
	l := open(t, dir, nil)
	if l.Dir() != dir {
		t.Errorf("Dir() = %q, want %q", l.Dir(), dir)
	}
	st, err := os.Stat(dir)
	if err != nil || !st.IsDir() {
		t.Fatalf("folder not created: %v", err)
	}
	if got := files(t, dir); len(got) != 0 {
		t.Errorf("Open left files behind: %q", got)
	}
}

func TestOpenRelativeFolder(t *testing.T) {
	tmp := t.TempDir()
	t.Chdir(tmp)
	l := open(t, "rel/land", nil)
	if want := filepath.Join(tmp, "rel", "land"); l.Dir() != want {
		t.Errorf("Dir() = %q, want the absolute %q", l.Dir(), want)
	}
}

func TestOpenUnwritableFolder(t *testing.T) {
	tmp := t.TempDir()
	regular := filepath.Join(tmp, "regular-file")
	if err := os.WriteFile(regular, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{regular, filepath.Join(regular, "under", "it")} {
		_, err := filelanding.Open(t.Context(), dir, nil)
		if err == nil || !strings.Contains(err.Error(), dir) {
			t.Errorf("Open(%q) = %v, want an error naming the folder", dir, err)
		}
	}
	if os.Geteuid() != 0 && runtime.GOOS != "windows" {
		ro := filepath.Join(tmp, "read-only")
		if err := os.Mkdir(ro, 0o500); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = os.Chmod(ro, 0o700) })
		_, err := filelanding.Open(t.Context(), ro, nil)
		if err == nil || !strings.Contains(err.Error(), ro) || !strings.Contains(err.Error(), "cannot write") {
			t.Errorf("Open(read-only folder) = %v, want an error naming the folder", err)
		}
	}
	if _, err := filelanding.Open(t.Context(), "", nil); err == nil {
		t.Error("Open(\"\"): no error")
	}
	if _, err := filelanding.Open(t.Context(), tmp, &filelanding.Options{FileMode: fs.ModeDir | 0o644}); err == nil {
		t.Error("Open with a FileMode that is not only permission bits: no error")
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := filelanding.Open(ctx, tmp, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("Open with a done context = %v", err)
	}
}

func TestSymlinkOutsideIsRefused(t *testing.T) {
	ctx := t.Context()
	outside := t.TempDir()
	secret := filepath.Join(outside, "secret.txt")
	if err := os.WriteFile(secret, []byte("secret"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	// A link to a folder outside, a relative one, and a link to a file outside.
	if err := os.Symlink(outside, filepath.Join(dir, "evil")); err != nil {
		t.Skipf("cannot make symbolic links here: %v", err)
	}
	rel, err := filepath.Rel(dir, outside)
	if err != nil {
		t.Fatal(err)
	}
	must(t, os.Symlink(rel, filepath.Join(dir, "evil-rel")))
	must(t, os.Symlink(secret, filepath.Join(dir, "secret-link")))
	l := open(t, dir, nil)

	for _, key := range []string{"evil/x.csv", "evil/secret.txt", "evil-rel/x.csv", "evil-rel/secret.txt", "evil/deeper/x.csv"} {
		if err := l.Put(ctx, key, strings.NewReader("pwned")); err == nil {
			t.Errorf("Put %q through a link outside: no error", key)
		}
		if _, err := l.WriteIfVersion(ctx, key, []byte("pwned"), ""); err == nil {
			t.Errorf("WriteIfVersion %q through a link outside: no error", key)
		}
		if rc, err := l.Get(ctx, key); err == nil {
			b, _ := io.ReadAll(rc)
			rc.Close()
			t.Errorf("Get %q through a link outside read %q", key, b)
		}
		if _, _, err := l.ReadVersioned(ctx, key); err == nil {
			t.Errorf("ReadVersioned %q through a link outside: no error", key)
		}
	}
	for _, key := range []string{"secret-link"} {
		if rc, err := l.Get(ctx, key); err == nil {
			b, _ := io.ReadAll(rc)
			rc.Close()
			t.Errorf("Get %q read %q from outside", key, b)
		}
	}
	if _, err := l.List(ctx, "evil/"); err == nil {
		t.Error("List through a link outside: no error")
	}
	objs, err := l.List(ctx, "")
	if err != nil || len(objs) != 0 {
		t.Errorf("List(\"\") = %v, %v; want no objects (links are not followed)", keys(objs), err)
	}
	// Put over the link to a file replaces the link, not the file outside.
	must(t, l.Put(ctx, "secret-link", strings.NewReader("replaced")))
	if got := files(t, outside); !slices.Equal(got, []string{"secret.txt"}) {
		t.Errorf("files outside = %q, want only secret.txt", got)
	}
	if b, _ := os.ReadFile(secret); string(b) != "secret" {
		t.Errorf("the file outside changed to %q", b)
	}
	// Delete of a link removes the link only.
	must(t, l.Delete(ctx, "evil"))
	if _, err := os.Stat(outside); err != nil {
		t.Errorf("Delete of a link removed its target: %v", err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestGetMissingKeepsNativeError(t *testing.T) {
	ctx := t.Context()
	l := open(t, t.TempDir(), nil)
	must(t, l.Put(ctx, "file", strings.NewReader("x")))
	for _, key := range []string{"missing", "a/b/missing", "file/under"} {
		_, err := l.Get(ctx, key)
		if !errors.Is(err, landing.ErrNotFound) || !errors.Is(err, os.ErrNotExist) {
			t.Errorf("Get %q = %v, want ErrNotFound and os.ErrNotExist", key, err)
		}
		var pe *fs.PathError
		if !errors.As(err, &pe) {
			t.Errorf("Get %q = %v, want an *fs.PathError inside", key, err)
		}
		if err == nil || !strings.Contains(err.Error(), strconv.Quote(key)) {
			t.Errorf("Get %q = %v, want the key in the message", key, err)
		}
		_, _, err = l.ReadVersioned(ctx, key)
		if !errors.Is(err, landing.ErrNotFound) || !errors.Is(err, os.ErrNotExist) {
			t.Errorf("ReadVersioned %q = %v, want ErrNotFound and os.ErrNotExist", key, err)
		}
	}
	rc, err := l.Get(ctx, "file")
	must(t, err)
	defer rc.Close()
	if _, ok := rc.(*os.File); !ok {
		t.Errorf("Get returned a %T, want an *os.File", rc)
	}
}

func TestReservedNames(t *testing.T) {
	ctx := t.Context()
	l := open(t, t.TempDir(), nil)
	for _, key := range []string{"a.lock", "x/y.json.lock", ".lock", ".a.tmp-0123456789abcdef", "d/.orders.csv.tmp-fedcba9876543210"} {
		if err := l.Put(ctx, key, strings.NewReader("x")); !errors.Is(err, landing.ErrInvalidKey) {
			t.Errorf("Put %q = %v, want ErrInvalidKey", key, err)
		}
		if _, err := l.WriteIfVersion(ctx, key, nil, ""); !errors.Is(err, landing.ErrInvalidKey) {
			t.Errorf("WriteIfVersion %q = %v, want ErrInvalidKey", key, err)
		}
	}
	for _, key := range []string{"a.lock/b", "a.locks", ".a.tmp-short", ".a.tmp-0123456789ABCDEF", "a.tmp-0123456789abcdef"} {
		if err := l.Put(ctx, key, strings.NewReader("x")); err != nil {
			t.Errorf("Put %q = %v, want it stored", key, err)
		}
	}
}

func TestListHidesInternalFiles(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	l := open(t, dir, nil)
	_, err := l.WriteIfVersion(ctx, landing.WatermarkKey, []byte("{}"), "")
	must(t, err)
	must(t, l.Put(ctx, "orders/a.csv", strings.NewReader("a")))
	// Debris of a crash, a name no key can have, and a folder.
	must(t, os.WriteFile(filepath.Join(dir, "orders", ".a.csv.tmp-0123456789abcdef"), []byte("half"), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "orders", `back\slash`), []byte("x"), 0o644))
	must(t, os.MkdirAll(filepath.Join(dir, "orders", "empty-folder"), 0o755))

	if got := files(t, dir); !slices.Contains(got, "_state/watermark.json.lock") {
		t.Errorf("files on disk = %q, want a lock file", got)
	}
	objs, err := l.List(ctx, "")
	must(t, err)
	if want := []string{"_state/watermark.json", "orders/a.csv"}; !slices.Equal(keys(objs), want) {
		t.Errorf("List = %q, want %q", keys(objs), want)
	}
	// Delete keeps the lock file, which must stay hidden.
	must(t, l.Delete(ctx, landing.WatermarkKey))
	objs, err = l.List(ctx, "_state/")
	must(t, err)
	if len(objs) != 0 {
		t.Errorf("List(_state/) after Delete = %q", keys(objs))
	}
	// A folder is not an object: Delete leaves it, Get does not find it.
	must(t, l.Delete(ctx, "orders/empty-folder"))
	if _, err := os.Stat(filepath.Join(dir, "orders", "empty-folder")); err != nil {
		t.Errorf("Delete removed a folder: %v", err)
	}
}

// errAfter fails after n bytes.
type errAfter struct{ n int }

var errBoom = errors.New("boom")

func (r *errAfter) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, errBoom
	}
	n := min(len(p), r.n)
	r.n -= n
	return n, nil
}

func TestNoTempFileAfterFailedPut(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	l := open(t, dir, nil)
	must(t, l.Put(ctx, "t/obj.csv", strings.NewReader("old")))
	for _, key := range []string{"t/obj.csv", "t/new.csv", "new/folder/obj.csv"} {
		err := l.Put(ctx, key, &errAfter{n: 200 << 10})
		if !errors.Is(err, errBoom) || !strings.Contains(err.Error(), strconv.Quote(key)) {
			t.Errorf("Put %q = %v, want the reader's error and the key", key, err)
		}
		cctx, cancel := context.WithCancel(ctx)
		err = l.Put(cctx, key, io.MultiReader(strings.NewReader("first chunk"), readerFunc(func([]byte) (int, error) {
			cancel()
			return 1, nil
		}), strings.NewReader("never read")))
		if !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled Put %q = %v", key, err)
		}
		cancel()
	}
	got := files(t, dir)
	if want := []string{"t/obj.csv"}; !slices.Equal(got, want) {
		t.Errorf("files on disk = %q, want %q (no temporary file)", got, want)
	}
	b, err := os.ReadFile(filepath.Join(dir, "t", "obj.csv"))
	if err != nil || string(b) != "old" {
		t.Errorf("content after failed Puts = %q, %v", b, err)
	}
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

func TestTwoLandersOnOneFolder(t *testing.T) {
	dir := t.TempDir()
	l1 := open(t, dir, nil)
	l2 := open(t, dir, nil)
	landingtest.WatermarkRace(t, 8, l1, l2)
	landingtest.WatermarkRace(t, 8, l1, l2)
	must(t, landingtest.Increment(t.Context(), l1, "_state/counter", 4, 10))
	b, err := os.ReadFile(filepath.Join(dir, "_state", "counter"))
	if err != nil || string(b) != "40" {
		t.Errorf("counter = %q, %v; want 40", b, err)
	}
}

// The helper process: when EDQM_FILELANDING_HELPER_DIR is set, TestHelper
// increments the shared counter and exits.
const helperEnv = "EDQM_FILELANDING_HELPER_DIR"

func TestHelper(t *testing.T) {
	dir := os.Getenv(helperEnv)
	if dir == "" {
		t.Skip("only run as a helper process")
	}
	l, err := landing.Open(t.Context(), "file://"+filepath.ToSlash(dir)+"?sync=false", nil)
	must(t, err)
	defer l.Close()
	must(t, landingtest.Increment(t.Context(), l, "_state/counter", 3, 20))
}

// TestCASAcrossProcesses runs processes that increment one counter by
// compare-and-swap: the lock must hold between processes, or increments are
// lost.
func TestCASAcrossProcesses(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "js" || runtime.GOOS == "wasip1" {
		t.Skip("no flock or no processes here")
	}
	exe, err := os.Executable()
	must(t, err)
	dir := t.TempDir()
	const procs = 4
	cmds := make([]*exec.Cmd, procs)
	outs := make([]strings.Builder, procs)
	for i := range cmds {
		cmds[i] = exec.Command(exe, "-test.run=^TestHelper$", "-test.count=1")
		cmds[i].Env = append(os.Environ(), helperEnv+"="+dir)
		cmds[i].Stdout = &outs[i]
		cmds[i].Stderr = &outs[i]
		must(t, cmds[i].Start())
	}
	for i, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Errorf("helper %d: %v\n%s", i, err, outs[i].String())
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "_state", "counter"))
	must(t, err)
	if want := strconv.Itoa(procs * 3 * 20); string(b) != want {
		t.Errorf("counter = %s, want %s: increments were lost between processes", b, want)
	}
}

func TestWriteIfVersionConflictMessage(t *testing.T) {
	ctx := t.Context()
	l := open(t, t.TempDir(), nil)
	v1, err := l.WriteIfVersion(ctx, "k", []byte("one"), "")
	must(t, err)
	if v1 != filelanding.Version([]byte("one")) || len(v1) != 64 {
		t.Errorf("version %q, want the hex SHA-256 of the content", v1)
	}
	_, err = l.WriteIfVersion(ctx, "k", []byte("two"), "")
	if !errors.Is(err, landing.ErrConflict) || !strings.Contains(err.Error(), "expected no object, found version "+v1[:12]) {
		t.Errorf("create over an object: %v", err)
	}
	_, err = l.WriteIfVersion(ctx, "missing", []byte("two"), v1)
	if !errors.Is(err, landing.ErrConflict) || !strings.Contains(err.Error(), "expected version "+v1[:12]+"…, found no object") {
		t.Errorf("update of a missing object: %v", err)
	}
}

func TestWriteIfVersionWaitsForTheLock(t *testing.T) {
	// A lock held elsewhere makes WriteIfVersion wait until ctx gives up.
	dir := t.TempDir()
	l := open(t, dir, nil)
	_, err := l.WriteIfVersion(t.Context(), "k", []byte("v"), "")
	must(t, err)
	unlock := holdLock(t, filepath.Join(dir, "k.lock"))
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	_, err = l.WriteIfVersion(ctx, "k", []byte("w"), filelanding.Version([]byte("v")))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WriteIfVersion while the lock is held = %v, want the deadline", err)
	}
	unlock()
	if _, err := l.WriteIfVersion(t.Context(), "k", []byte("w"), filelanding.Version([]byte("v"))); err != nil {
		t.Errorf("WriteIfVersion after the lock is released: %v", err)
	}
}

func TestURL(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	for _, u := range []string{"file://" + dir, "file://localhost" + dir, "file://" + dir + "?sync=false", "file://" + dir + "?mode=0600&sync=true"} {
		l, err := landing.Open(ctx, u, nil)
		if err != nil {
			t.Errorf("Open(%q): %v", u, err)
			continue
		}
		if fl, ok := l.(*filelanding.Lander); !ok || fl.Dir() != dir {
			t.Errorf("Open(%q) = %T over %v, want a *filelanding.Lander over %q", u, l, l, dir)
		}
		must(t, l.Close())
	}
	for u, want := range map[string]string{
		"file://example.com" + dir:                  `host "example.com"`,
		"file://" + dir + "?colour=red&sync=1&sz=2": `unknown query parameter(s) "colour", "sz"`,
		"file://" + dir + "?sync=maybe":             `sync="maybe"`,
		"file://" + dir + "?mode=0999":              `mode="0999"`,
		"file://" + dir + "?mode=01777":             `mode="01777"`,
		"file:relative/path":                        "absolute",
		"file://":                                   "absolute",
		"file://user@localhost" + dir:               "user",
	} {
		_, err := landing.Open(ctx, u, nil)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Open(%q) = %v, want an error saying %s", u, err, want)
		}
	}
}

func TestFileModeAndNoSync(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no permission bits")
	}
	ctx := t.Context()
	dir := t.TempDir()
	l := open(t, dir, &filelanding.Options{FileMode: 0o600, NoSync: true})
	must(t, l.Put(ctx, "a/b", strings.NewReader("x")))
	st, err := os.Stat(filepath.Join(dir, "a", "b"))
	must(t, err)
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", st.Mode().Perm())
	}
}

func TestLocalPathAndClose(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	l := open(t, dir, nil)
	p, err := l.LocalPath("orders/date=2025-01-01/x.csv")
	must(t, err)
	if want := filepath.Join(dir, "orders", "date=2025-01-01", "x.csv"); p != want {
		t.Errorf("LocalPath = %q, want %q", p, want)
	}
	if _, err := l.LocalPath("../x"); !errors.Is(err, landing.ErrInvalidKey) {
		t.Errorf("LocalPath(../x) = %v", err)
	}
	must(t, l.Close())
	must(t, l.Close())
	if err := l.Put(ctx, "k", strings.NewReader("x")); err == nil {
		t.Error("Put after Close: no error")
	}
	if _, err := l.List(ctx, ""); err == nil {
		t.Error("List after Close: no error")
	}
}

func ExampleOpen() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "edqm-filelanding-")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)

	l, err := filelanding.Open(ctx, filepath.Join(dir, "landing"), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer l.Close()

	for _, key := range []string{
		"orders/date=2025-01-02/orders-2025-01-02.csv",
		"orders/date=2025-01-01/orders-2025-01-01.csv",
		"customers/date=2025-01-01/customers-2025-01-01.csv",
	} {
		if err := l.Put(ctx, key, strings.NewReader("id\n1\n")); err != nil {
			fmt.Println(err)
			return
		}
	}
	objs, err := l.List(ctx, "orders/")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, o := range objs {
		fmt.Println(o.Key, o.Size)
	}
	p, _ := l.LocalPath(objs[0].Key)
	rel, _ := filepath.Rel(l.Dir(), p)
	fmt.Println(filepath.ToSlash(rel))

	_, err = l.Get(ctx, "orders/date=2025-01-03/orders-2025-01-03.csv")
	fmt.Println(errors.Is(err, landing.ErrNotFound))
	// Output:
	// orders/date=2025-01-01/orders-2025-01-01.csv 5
	// orders/date=2025-01-02/orders-2025-01-02.csv 5
	// orders/date=2025-01-01/orders-2025-01-01.csv
	// true
}
